/**
 * A lazily built adapter, one per Lambda container. A handler imports only the providers its use
 * cases need, so its bundle carries no other adapter; tests and the local stack's in-process mode
 * may put another implementation in place (`use`), or `use(undefined)` to build the default again.
 */
export type Provider<T> = { (): T; use(value: T | undefined): void };

export const provider = <T>(build: () => T): Provider<T> => {
  let value: T | undefined;
  const get = (() => (value ??= build())) as Provider<T>;
  get.use = (replacement) => {
    value = replacement;
  };
  return get;
};

/** `load` run once for all its callers, concurrent ones included; a failed load is run again by the next call. */
export const loadOnce = <T>(load: () => Promise<T>): (() => Promise<T>) => {
  let loading: Promise<T> | undefined;
  return () =>
    (loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    }));
};

/** A port whose every method answers a promise (all of them but `Clock`). */
type AsyncPort<T> = { [K in keyof T]: (...args: never[]) => Promise<unknown> };

/**
 * Port `T` whose implementation is loaded by its first method call: a provider's loader imports the
 * adapter module and its AWS SDK client dynamically, so importing a handler loads neither (an SDK
 * client costs a cold start hundreds of milliseconds) until a use case calls the port.
 */
export const loadedOnFirstCall = <T extends AsyncPort<T>>(load: () => Promise<T>): T => {
  const loaded = loadOnce(load);
  return new Proxy({} as T, {
    // Not `then`: a port is no promise, and awaiting one (or returning it from an async function) must not load it.
    get: (_, method) =>
      typeof method === 'string' && method !== 'then'
        ? async (...args: unknown[]) => {
            const port = await loaded();
            return Reflect.apply(port[method as keyof T], port, args);
          }
        : undefined,
  });
};

/**
 * A handler's ports as one object for its use cases; each field asks its provider on every read,
 * so nothing is built before it is used and a `use` takes effect at once.
 */
export const portsFrom = <P extends Record<string, Provider<unknown>>>(providers: P): { readonly [K in keyof P]: ReturnType<P[K]> } =>
  Object.defineProperties(
    {},
    Object.fromEntries(Object.entries(providers).map(([name, get]) => [name, { get, enumerable: true }])),
  ) as { readonly [K in keyof P]: ReturnType<P[K]> };
