#!/usr/bin/env python3
"""Marks one symbol-version requirement of an ELF shared library as weak (VER_FLG_WEAK), in place.

A weak version need lets the dynamic linker load the library when no loaded object provides that version;
symbols are then bound without the version check. The file keeps its size, so nothing else moves.
Usage: weaken_version_need.py LIBRARY VERSION   (prints whether it changed the file)
"""
import struct
import sys

SHT_GNU_VERNEED = 0x6FFFFFFE
VER_FLG_WEAK = 0x2


def main(path, version):
    data = bytearray(open(path, "rb").read())
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        sys.exit(f"{path}: not a 64-bit little-endian ELF file")
    (section_offset,) = struct.unpack_from("<Q", data, 0x28)
    entry_size, count = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, section_offset + i * entry_size) for i in range(count)]
    needs = [s for s in sections if s[1] == SHT_GNU_VERNEED]
    if not needs:
        print(f"{path}: no version needs")
        return
    need = needs[0]
    strings_offset = sections[need[6]][4]

    def name(offset):
        start = strings_offset + offset
        return data[start:data.index(0, start)].decode()

    changed = False
    entry = need[4]
    for _ in range(need[8]):
        _, aux_count, _, aux_offset, next_entry = struct.unpack_from("<HHIII", data, entry)
        aux = entry + aux_offset
        for _ in range(aux_count):
            _, flags, _, name_offset, next_aux = struct.unpack_from("<IHHII", data, aux)
            if name(name_offset) == version and not flags & VER_FLG_WEAK:
                struct.pack_into("<H", data, aux + 4, flags | VER_FLG_WEAK)
                changed = True
            if next_aux == 0:
                break
            aux += next_aux
        if next_entry == 0:
            break
        entry += next_entry

    if changed:
        open(path, "wb").write(data)
    print(f"{path}: {version} {'now weak' if changed else 'unchanged'}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
