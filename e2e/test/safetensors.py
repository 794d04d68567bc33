"""An independent safetensors reader and writer for the e2e test, in plain Python (struct, array, json).

  python3 safetensors.py read FILE    prints {name: {"dtype", "shape", "sum", "offset", "itemsize"}} as JSON
                                      (sum as a string; offset: where its bytes start in the file)
  python3 safetensors.py write FILE   writes a small file laid out as the format allows but the
                                      reference writer never does: an unpadded header, and tensors
                                      at offsets their element size does not divide
"""
import json
import struct
import sys
from array import array

# Typecodes of the standard sizes; F16 and BF16 as raw 16-bit patterns, BOOL as bytes.
TYPECODES = {"F64": "d", "F32": "f", "F16": "H", "BF16": "H", "I64": "q", "I32": "i", "I16": "h", "I8": "b",
             "U64": "Q", "U32": "I", "U16": "H", "U8": "B", "BOOL": "B"}


def read(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    header.pop("__metadata__", None)
    data = blob[8 + n:]
    out = {}
    for name, t in header.items():
        begin, end = t["data_offsets"]
        values = array(TYPECODES[t["dtype"]])
        values.frombytes(data[begin:end])
        if sys.byteorder != "little":
            values.byteswap()
        total = sum(values, 0.0) if t["dtype"] in ("F32", "F64") else sum(values)
        out[name] = {"dtype": t["dtype"], "shape": t["shape"], "sum": repr(total),
                     "offset": 8 + n + begin, "itemsize": values.itemsize}
    print(json.dumps(out))


def write(path):
    tensors = [
        ("odd", "U8", [3], struct.pack("<3B", 1, 2, 3)),
        ("weights", "F32", [2, 3], struct.pack("<6f", 0.5, 1.5, -2.25, 3.0, 4.125, 1e-3)),
        ("steps", "I16", [5], struct.pack("<5h", -7, 1, 2, 300, -32768)),
        ("big", "I64", [2], struct.pack("<2q", 2**62, -5)),
        ("exact", "F64", [3], struct.pack("<3d", 0.1, 0.2, 0.3)),
    ]
    header, offset = {"__metadata__": {"written_by": "e2e/test/safetensors.py"}}, 0
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
    encoded = json.dumps(header, separators=(",", ":")).encode("utf-8")
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)) + encoded + b"".join(raw for *_, raw in tensors))


if __name__ == "__main__":
    {"read": read, "write": write}[sys.argv[1]](sys.argv[2])
