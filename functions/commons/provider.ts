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
