// The training page: one TrainSession composed of the training widgets (training-page.js does
// the rest). The widgets and the session are the modules `<unrolled-train>` uses, loaded from pkg/.
import { TrainSession } from '../pkg/js/train-session.js';
import { TRAIN_PANEL_NAMES, composeTrain } from '../pkg/js/widgets/train/index.js';
import { startTrainingPage } from '../pkg/js/training-page.js';

startTrainingPage({
  create: (hash) => TrainSession.create(hash, { panels: TRAIN_PANEL_NAMES }),
  compose: composeTrain,
  rootId: 'train',
  expose: '__unrolledTrain',
});
