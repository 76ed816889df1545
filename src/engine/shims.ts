/**
 * Node 20 lacks two things jax-js 0.1.25 touches: the `Float16Array` global (it only tests
 * `instanceof Float16Array`) and the iterator helpers (`iter.map(...).toArray()` in einsum/matvec).
 * Installed once, before jax-js is imported; each shim is skipped when the runtime has the real one.
 */
const g = globalThis as Record<string, unknown>;
if (typeof g.Float16Array === "undefined") {
  // Nothing is ever an instance of it, which is exactly true of float16 data on Node 20.
  g.Float16Array = class Float16ArrayUnavailable {
    static [Symbol.hasInstance](): boolean {
      return false;
    }
  };
}

type Helpers = Record<string, (this: Iterator<unknown>, ...args: never[]) => unknown>;
const iterProto = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())) as Helpers;
function* mapGen<T, U>(it: Iterator<T>, f: (v: T, i: number) => U): Generator<U> {
  let i = 0;
  for (let r = it.next(); !r.done; r = it.next()) yield f(r.value, i++);
}
function* filterGen<T>(it: Iterator<T>, f: (v: T, i: number) => boolean): Generator<T> {
  let i = 0;
  for (let r = it.next(); !r.done; r = it.next()) if (f(r.value, i++)) yield r.value;
}
const helpers: Record<string, (this: Iterator<unknown>, ...args: never[]) => unknown> = {
  map(this: Iterator<unknown>, f: (v: unknown, i: number) => unknown) {
    return mapGen(this, f);
  },
  filter(this: Iterator<unknown>, f: (v: unknown, i: number) => boolean) {
    return filterGen(this, f);
  },
  toArray(this: Iterator<unknown>) {
    const out: unknown[] = [];
    for (let r = this.next(); !r.done; r = this.next()) out.push(r.value);
    return out;
  },
  forEach(this: Iterator<unknown>, f: (v: unknown, i: number) => void) {
    let i = 0;
    for (let r = this.next(); !r.done; r = this.next()) f(r.value, i++);
  },
  some(this: Iterator<unknown>, f: (v: unknown, i: number) => boolean) {
    let i = 0;
    for (let r = this.next(); !r.done; r = this.next()) if (f(r.value, i++)) return true;
    return false;
  },
  every(this: Iterator<unknown>, f: (v: unknown, i: number) => boolean) {
    let i = 0;
    for (let r = this.next(); !r.done; r = this.next()) if (!f(r.value, i++)) return false;
    return true;
  },
  reduce(this: Iterator<unknown>, f: (acc: unknown, v: unknown) => unknown, init: unknown) {
    let acc = init;
    for (let r = this.next(); !r.done; r = this.next()) acc = f(acc, r.value);
    return acc;
  },
};
for (const [name, fn] of Object.entries(helpers)) {
  if (typeof iterProto[name] !== "function") {
    Object.defineProperty(iterProto, name, { value: fn, writable: true, configurable: true });
  }
}
export {};
