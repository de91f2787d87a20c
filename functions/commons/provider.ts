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

/**
 * A handler's ports as one object for its use cases; each field asks its provider on every read,
 * so nothing is built before it is used and a `use` takes effect at once.
 */
export const portsFrom = <P extends Record<string, Provider<unknown>>>(providers: P): { readonly [K in keyof P]: ReturnType<P[K]> } =>
  Object.defineProperties(
    {},
    Object.fromEntries(Object.entries(providers).map(([name, get]) => [name, { get, enumerable: true }])),
  ) as { readonly [K in keyof P]: ReturnType<P[K]> };
