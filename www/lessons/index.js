// The course page: the lessons in order, each with this browser's progress in it. It registers
// the service worker too, so that a lesson opened from here works offline.
import { LESSONS, progressOf, registerOffline } from './lesson.js';

const list = document.getElementById('lessons');
list.replaceChildren(...LESSONS.map((l) => {
  const li = document.createElement('li');
  const a = Object.assign(document.createElement('a'), { href: l.page, textContent: l.title });
  const mine = progressOf(l.id);
  const answered = Object.values(mine.answered);
  const right = answered.filter((x) => x.right).length;
  const p = Object.assign(document.createElement('span'), { className: 'progress' });
  p.textContent = answered.length ? ` — ${answered.length} of ${mine.total} predictions made, ${right} right` : '';
  li.append(a, p);
  return li;
}));
registerOffline();
document.body.dataset.lessonReady = 'true';
