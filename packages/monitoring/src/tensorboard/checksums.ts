/** Builds the 256-entry table of a reflected CRC-32 with polynomial `reversedPolynomial`. */
function crcTable(reversedPolynomial: number): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ reversedPolynomial : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

const CASTAGNOLI = crcTable(0x82f63b78);
const IEEE = crcTable(0xedb88320);

function crc(table: Uint32Array, bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = table[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** CRC-32C (Castagnoli), as TFRecord framing uses. crc32c("123456789") = 0xE3069283. */
export function crc32c(bytes: Uint8Array): number {
  return crc(CASTAGNOLI, bytes);
}

/** CRC-32 (IEEE 802.3), as PNG chunks use. crc32("123456789") = 0xCBF43926. */
export function crc32(bytes: Uint8Array): number {
  return crc(IEEE, bytes);
}

/** TFRecord's masked CRC: rotate right by 15 and add a constant, so CRCs of CRCs stay useful. */
export function maskedCrc32c(bytes: Uint8Array): number {
  const c = crc32c(bytes);
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}
