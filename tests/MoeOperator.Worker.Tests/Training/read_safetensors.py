#!/usr/bin/env python3
"""An independent reader of the safetensors format, from its specification alone (huggingface/safetensors):
8-byte little-endian header length N, N bytes of JSON mapping each tensor name to its dtype, shape and
[begin, end) data offsets (plus optional "__metadata__"), then the data. Prints one JSON object:
{"metadata": {...}, "tensors": {name: {"dtype", "shape", "values"}}}, values flattened in row-major order."""
import json
import struct
import sys

FORMATS = {"F64": "d", "F32": "f", "I64": "q", "I32": "i"}
SIZES = {"F64": 8, "F32": 4, "I64": 8, "I32": 4}


def read(path):
    with open(path, "rb") as f:
        blob = f.read()
    (length,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + length].decode("utf-8"))
    data = blob[8 + length:]
    metadata = header.pop("__metadata__", {})
    tensors = {}
    end_of_previous = 0
    for name, info in sorted(header.items(), key=lambda item: item[1]["data_offsets"][0]):
        begin, end = info["data_offsets"]
        if begin != end_of_previous:
            raise ValueError(f"{name}: data starts at {begin}, the previous tensor ended at {end_of_previous}")
        count = 1
        for dim in info["shape"]:
            count *= dim
        if end - begin != count * SIZES[info["dtype"]]:
            raise ValueError(f"{name}: {end - begin} bytes for shape {info['shape']} of {info['dtype']}")
        values = list(struct.unpack("<" + FORMATS[info["dtype"]] * count, data[begin:end]))
        tensors[name] = {"dtype": info["dtype"], "shape": info["shape"], "values": values}
        end_of_previous = end
    if end_of_previous != len(data):
        raise ValueError(f"{len(data) - end_of_previous} bytes after the last tensor")
    return {"metadata": metadata, "tensors": tensors}


if __name__ == "__main__":
    json.dump(read(sys.argv[1]), sys.stdout)
