/** COBS encoding without the trailing 0x00 delimiter. */
export function cobsEncode(input: Uint8Array): Uint8Array {
  const out = new Uint8Array(input.length + Math.floor(input.length / 254) + 1);
  let codeAt = 0;
  let o = 1;
  let code = 1;
  for (const byte of input) {
    if (byte === 0) {
      out[codeAt] = code;
      codeAt = o++;
      code = 1;
    } else {
      out[o++] = byte;
      code++;
      if (code === 0xff) {
        out[codeAt] = code;
        codeAt = o++;
        code = 1;
      }
    }
  }
  out[codeAt] = code;
  return out.subarray(0, o);
}

/** Decodes one COBS frame (delimiter removed); null when it is not valid COBS. */
export function cobsDecode(input: Uint8Array): Uint8Array | null {
  if (input.length === 0) return null;
  const out = new Uint8Array(input.length);
  let i = 0;
  let o = 0;
  while (i < input.length) {
    const code = input[i++] as number;
    if (code === 0 || i + code - 1 > input.length) return null;
    for (let k = 1; k < code; k++) {
      const byte = input[i++] as number;
      if (byte === 0) return null;
      out[o++] = byte;
    }
    if (code !== 0xff && i < input.length) out[o++] = 0;
  }
  return out.subarray(0, o);
}
