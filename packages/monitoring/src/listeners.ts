/** The listeners of one event source; `subscribe` returns the unsubscribe function the public APIs hand out. */
export class Listeners<Value> extends Set<(value: Value) => void> {
  subscribe(listener: (value: Value) => void): () => void {
    this.add(listener);
    return () => this.delete(listener);
  }
}

/** `setInterval` that never keeps Node alive: every timer of this package is background work. */
export function unrefInterval(callback: () => void, intervalMs: number): ReturnType<typeof setInterval> {
  const timer = setInterval(callback, intervalMs);
  timer.unref();
  return timer;
}
