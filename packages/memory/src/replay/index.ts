export { crossEntropyOfLabels, darkExperienceReplayLoss, distillationLoss, experienceReplayLoss } from './replay-losses.js';
export type { DarkReplayWeights } from './replay-losses.js';
export { NearestMeanClassifier } from './nearest-mean-classifier.js';
export { inferTasks } from './task-inference.js';
export type { TaskInferenceOptions } from './task-inference.js';
