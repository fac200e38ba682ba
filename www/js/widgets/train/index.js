// The training view composed of its widgets: the settings and the transport on one side, the
// race in words and the live charts on the other. `composeTrain(root, session, options)` builds
// the panels inside `root` (the page's element or an element's shadow root), mounts each widget,
// shows the panels `show()` names (all when empty) minus `hide()`, and listens to the transport's
// keys on `keys`.
import * as setup from './setup.js';
import * as transport from './transport.js';
import * as race from './race.js';
import * as exportsPanel from './exports.js';
import { CHARTS, chartWidget } from './charts.js';
import { composeView } from './compose.js';

export const TRAIN_WIDGETS = [transport, setup, race, ...CHARTS.map(chartWidget), exportsPanel];
export const TRAIN_PANEL_NAMES = TRAIN_WIDGETS.flatMap((w) => [w.name, ...w.controls]);

export function composeTrain(root, session, options = {}) {
  return composeView(root, session, TRAIN_WIDGETS, { className: '', label: 'Training settings' }, options);
}
