// The classifier page: one ClassifySession composed of the classifier widgets (training-page.js
// does the rest: the typed sentence is part of the state, so a link restores it too).
import { ClassifySession } from '../pkg/js/classify-session.js';
import { CLASSIFY_PANEL_NAMES, composeClassify } from '../pkg/js/widgets/classify/index.js';
import { startTrainingPage } from '../pkg/js/training-page.js';

startTrainingPage({
  create: (hash) => ClassifySession.create(hash, { panels: CLASSIFY_PANEL_NAMES }),
  compose: composeClassify,
  rootId: 'classify',
  expose: '__unrolledClassify',
});
