// The classifier view composed of its widgets: settings, the data and the transport on one side;
// the live charts, the typed sentence opened up, padding and packing, the model comparison and the
// downloads on the other. `composeClassify(root, session, {show, hide, keys})` builds the panels
// in `root` (the page's element or an `<unrolled-classify>`'s shadow root), mounts each widget,
// shows the panels `show()` names (all when empty; a control's name shows its panel) minus those
// `hide()` names, and listens to the transport's keys on `keys`.
import * as transport from '../train/transport.js';
import * as setup from './setup.js';
import * as data from './data.js';
import * as sentence from './sentence.js';
import * as packing from './packing.js';
import * as exportsPanel from './exports.js';
import * as compare from './compare.js';
import { CLASSIFY_CHARTS } from './charts.js';
import { composeView } from '../train/compose.js';

export const CLASSIFY_WIDGETS = [transport, setup, data, ...CLASSIFY_CHARTS, sentence, packing, compare, exportsPanel];
export const CLASSIFY_PANEL_NAMES = CLASSIFY_WIDGETS.flatMap((w) => [w.name, ...w.controls]);

export function composeClassify(root, session, options = {}) {
  return composeView(root, session, CLASSIFY_WIDGETS, { className: 'classify-layout', label: 'Classifier settings' }, options);
}
