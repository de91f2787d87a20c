import { describe, expect, it, vi } from 'vitest';
import { loadedOnFirstCall } from '#commons/provider';

interface Counter {
  add(by: number, note: string): Promise<string>;
  fail(): Promise<never>;
}

/** An implementation whose methods need their own `this`, as the adapters' classes do. */
class MemoryCounter implements Counter {
  #total = 0;
  async add(by: number, note: string) {
    this.#total += by;
    return `${note}: ${this.#total}`;
  }
  async fail(): Promise<never> {
    throw new Error('refused');
  }
}

describe('a port loaded on its first call', () => {
  it('loads nothing until a method is called, then once for concurrent first calls', async () => {
    const load = vi.fn(async () => new MemoryCounter());
    const counter = loadedOnFirstCall<Counter>(load);
    await Promise.resolve(counter); // awaiting a port is no call
    expect(load).not.toHaveBeenCalled();

    const answers = await Promise.all([counter.add(1, 'a'), counter.add(2, 'b'), counter.add(3, 'c')]);
    expect(answers).toEqual(['a: 1', 'b: 3', 'c: 6']);
    await counter.add(4, 'd');
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('passes the arguments and the answer through, on the loaded implementation', async () => {
    const counter = loadedOnFirstCall<Counter>(async () => new MemoryCounter());
    const { add } = counter;
    await expect(add(5, 'detached')).resolves.toBe('detached: 5');
    await expect(counter.add(2, 'again')).resolves.toBe('again: 7');
  });

  it("rejects with the method's error", async () => {
    const counter = loadedOnFirstCall<Counter>(async () => new MemoryCounter());
    await expect(counter.fail()).rejects.toThrow('refused');
  });

  it('rejects every waiting call when the load fails, and loads again on the next call', async () => {
    const load = vi
      .fn<() => Promise<Counter>>()
      .mockRejectedValueOnce(new Error('module not found'))
      .mockImplementation(async () => new MemoryCounter());
    const counter = loadedOnFirstCall(load);

    const first = await Promise.allSettled([counter.add(1, 'a'), counter.add(1, 'b')]);
    expect(first.map((result) => result.status === 'rejected' && (result.reason as Error).message)).toEqual(['module not found', 'module not found']);
    expect(load).toHaveBeenCalledTimes(1);

    await expect(counter.add(1, 'retried')).resolves.toBe('retried: 1');
    await counter.add(1, 'kept');
    expect(load).toHaveBeenCalledTimes(2);
  });
});
