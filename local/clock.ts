import { EventEmitter } from 'node:events';
import type { Clock } from '#ports/clock';

/** The local stack's movable clock: handlers read it, and workflow timers park on it until it passes their due time. */
export class ControllableClock implements Clock {
  private offsetMs = 0;
  private readonly moved = new EventEmitter().setMaxListeners(0);
  private released = false;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  /** How far the clock stands from real time; functions in containers add it to theirs. */
  offset(): number {
    return this.offsetMs;
  }

  onMoved(listener: () => void): void {
    this.moved.on('moved', listener);
  }

  set(instant: Date): void {
    this.offsetMs = instant.getTime() - Date.now();
    this.moved.emit('moved');
  }

  advance(ms: number): void {
    this.offsetMs += ms;
    this.moved.emit('moved');
  }

  /** Wakes every sleeper for good: the stack is stopping. */
  release(): void {
    this.released = true;
    this.moved.emit('moved');
  }

  /** Resolves at the clock's next move, or after `maxWaitMs` of real time. */
  nextMove(maxWaitMs: number): Promise<void> {
    if (this.released) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.moved.off('moved', done);
        resolve();
      };
      const timer = setTimeout(done, maxWaitMs);
      this.moved.on('moved', done);
    });
  }

  sleepUntil(instant: Date, maxWaitMs: number): Promise<void> {
    if (this.released || this.now() >= instant) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.moved.off('moved', check);
        resolve();
      };
      const check = () => {
        if (this.released || this.now() >= instant) done();
      };
      const timer = setTimeout(done, Math.min(maxWaitMs, Math.max(0, instant.getTime() - this.now().getTime())));
      this.moved.on('moved', check);
    });
  }
}
