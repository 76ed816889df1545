/**
 * JSON that keeps what plain JSON loses: typed arrays (as base64 of their bytes), NaN, +-Infinity
 * and -0. Used for state that must round-trip exactly (checkpoint headers, weighting states).
 */

type Tagged =
  { $f64: string } | { $f32: string } | { $num: "NaN" | "Infinity" | "-Infinity" | "-0" };

function tag(v: unknown): unknown {
  if (v instanceof Float64Array)
    return { $f64: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64") };
  if (v instanceof Float32Array)
    return { $f32: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64") };
  if (typeof v === "number") {
    if (Number.isNaN(v)) return { $num: "NaN" };
    if (v === Infinity) return { $num: "Infinity" };
    if (v === -Infinity) return { $num: "-Infinity" };
    if (Object.is(v, -0)) return { $num: "-0" };
  }
  return v;
}

/**
 * Stringify with typed arrays and special numbers tagged.
 * @example
 * decodeJson(encodeJson({ a: Float64Array.of(0.1), b: NaN })); // { a: Float64Array [0.1], b: NaN }
 */
export function encodeJson(v: unknown): string {
  return JSON.stringify(v, function (this: Record<string, unknown>, key: string) {
    return tag(this[key]);
  });
}

function bytes(b64: string): Uint8Array {
  const b = Buffer.from(b64, "base64");
  // copy to an aligned buffer of its own
  return new Uint8Array(b);
}

/** Parse what {@link encodeJson} wrote. */
export function decodeJson(s: string): unknown {
  return JSON.parse(s, (_key, v: unknown) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    const t = v as Partial<Record<"$f64" | "$f32" | "$num", string>> & Tagged;
    const keys = Object.keys(v);
    if (keys.length !== 1) return v;
    if (typeof t.$f64 === "string") return new Float64Array(bytes(t.$f64).buffer);
    if (typeof t.$f32 === "string") return new Float32Array(bytes(t.$f32).buffer);
    if (typeof t.$num === "string") return t.$num === "-0" ? -0 : Number(t.$num);
    return v;
  });
}
