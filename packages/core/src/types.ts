/**
 * How a task is named across HoloMind: a non-negative integer index in the order tasks were
 * trained, or a string the user chose. Packages that store tasks agree on this one type.
 */
export type TaskId = number | string;
