package io.distillab.training.cuda;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the dynamic linker reads of a 64-bit little-endian ELF shared object to find and check its
 * dependencies: the dynamic section (DT_NEEDED, DT_SONAME), the version needs
 * ({@code .gnu.version_r}) and the version definitions ({@code .gnu.version_d}), all naming
 * strings of the dynamic string table. Sections are found through the section headers, which
 * every shared library built by a standard linker keeps.
 *
 * <p>{@link #retarget} rewrites which library and version node an object depends on, in place:
 * that is how JCublas 12.6's native library, linked against {@code libcublas.so.12}, is made to
 * bind to cuBLAS 13 (see {@link CublasLibrary}).
 */
final class ElfSharedObject {
    private static final int SHT_DYNAMIC = 6;
    private static final int SHT_DYNSYM = 11;
    private static final int SHT_GNU_VERDEF = 0x6ffffffd;
    private static final int SHT_GNU_VERNEED = 0x6ffffffe;
    private static final long DT_NULL = 0;
    private static final long DT_NEEDED = 1;
    private static final long DT_SONAME = 14;
    private static final int VER_FLG_BASE = 1;

    /** A name in the dynamic string table: its offset there and the file offset of the field that points to it. */
    record NameRef(String value, int stringOffset, int fieldOffset) {
    }

    /** One Vernaux entry: a version node required of the file of its {@link VersionNeed}. */
    record VersionNeedAux(NameRef name, int hash, int hashFieldOffset) {
    }

    /** One Verneed entry: a library (by SONAME) and the version nodes this object requires of it. */
    record VersionNeed(NameRef file, List<VersionNeedAux> versions) {
    }

    /** One Verdef entry: a version node this object defines; {@code base} marks the object's own name. */
    record VersionDefinition(NameRef name, boolean base, int hash, int hashFieldOffset) {
    }

    private final ByteBuffer elf;
    private final int dynstrOffset;
    private final int dynstrSize;
    private final NameRef soname;
    private final List<NameRef> needed = new ArrayList<>();
    private final List<NameRef> otherDynamicNames = new ArrayList<>();
    private final List<VersionNeed> versionNeeds = new ArrayList<>();
    private final List<VersionDefinition> versionDefinitions = new ArrayList<>();
    private final List<Integer> symbolNameOffsets = new ArrayList<>();

    private ElfSharedObject(ByteBuffer elf) {
        this.elf = elf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer b = this.elf;
        if (b.limit() < 64 || b.getInt(0) != 0x464c457f) {
            throw new IllegalArgumentException("not an ELF file");
        }
        if (b.get(4) != 2 || b.get(5) != 1) {
            throw new IllegalArgumentException("not a 64-bit little-endian ELF file (class " + b.get(4) + ", data "
                    + b.get(5) + ")");
        }
        long shoff = b.getLong(0x28);
        int shentsize = Short.toUnsignedInt(b.getShort(0x3a));
        int shnum = Short.toUnsignedInt(b.getShort(0x3c));
        if (shoff == 0 || shentsize < 64) {
            throw new IllegalArgumentException("ELF file without section headers");
        }
        if (shnum == 0) {
            shnum = (int) b.getLong(index(shoff + 32)); // more than 0xff00 sections: the count is in section 0
        }
        Section dynamic = null;
        Section verneed = null;
        Section verdef = null;
        Section dynsym = null;
        List<Section> sections = new ArrayList<>();
        for (int i = 0; i < shnum; i++) {
            int at = index(shoff + (long) i * shentsize);
            Section s = new Section(b.getInt(at + 4), index(b.getLong(at + 24)), index(b.getLong(at + 32)),
                    b.getInt(at + 40), b.getInt(at + 44));
            sections.add(s);
            switch (s.type) {
                case SHT_DYNAMIC -> dynamic = s;
                case SHT_GNU_VERNEED -> verneed = s;
                case SHT_GNU_VERDEF -> verdef = s;
                case SHT_DYNSYM -> dynsym = s;
                default -> { }
            }
        }
        if (dynamic == null) {
            throw new IllegalArgumentException("ELF file without a dynamic section");
        }
        Section dynstr = sections.get(dynamic.link);
        dynstrOffset = dynstr.offset;
        dynstrSize = dynstr.size;
        NameRef name = null;
        for (int at = dynamic.offset; at + 16 <= dynamic.offset + dynamic.size; at += 16) {
            long tag = b.getLong(at);
            if (tag == DT_NULL) {
                break;
            }
            if (tag == DT_NEEDED) {
                needed.add(nameAt(b.getLong(at + 8), at + 8));
            } else if (tag == DT_SONAME) {
                name = nameAt(b.getLong(at + 8), at + 8);
                otherDynamicNames.add(name);
            } else if (tag == 15 || tag == 29) { // DT_RPATH, DT_RUNPATH: strings too
                otherDynamicNames.add(nameAt(b.getLong(at + 8), at + 8));
            }
        }
        soname = name;
        if (verneed != null) {
            readVersionNeeds(verneed);
        }
        if (verdef != null) {
            readVersionDefinitions(verdef);
        }
        if (dynsym != null && sections.get(dynsym.link).offset == dynstrOffset) {
            for (int at = dynsym.offset; at + 24 <= dynsym.offset + dynsym.size; at += 24) {
                symbolNameOffsets.add(b.getInt(at));
            }
        }
    }

    private record Section(int type, int offset, int size, int link, int info) {
    }

    /** Parses the headers of an ELF shared object; the buffer is read, never written. */
    static ElfSharedObject parse(ByteBuffer elf) {
        try {
            return new ElfSharedObject(elf);
        } catch (IndexOutOfBoundsException | BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated or corrupt ELF file (" + e.getMessage() + ")", e);
        }
    }

    static ElfSharedObject parse(byte[] elf) {
        return parse(ByteBuffer.wrap(elf));
    }

    private void readVersionNeeds(Section section) {
        ByteBuffer b = elf;
        int at = section.offset;
        for (int i = 0; i < section.info; i++) {
            int count = Short.toUnsignedInt(b.getShort(at + 2));
            NameRef file = nameAt(Integer.toUnsignedLong(b.getInt(at + 4)), at + 4);
            List<VersionNeedAux> versions = new ArrayList<>();
            int aux = at + b.getInt(at + 8);
            for (int j = 0; j < count; j++) {
                versions.add(new VersionNeedAux(nameAt(Integer.toUnsignedLong(b.getInt(aux + 8)), aux + 8),
                        b.getInt(aux), aux));
                aux += b.getInt(aux + 12);
            }
            versionNeeds.add(new VersionNeed(file, List.copyOf(versions)));
            int next = b.getInt(at + 12);
            if (next == 0) {
                break;
            }
            at += next;
        }
    }

    private void readVersionDefinitions(Section section) {
        ByteBuffer b = elf;
        int at = section.offset;
        for (int i = 0; i < section.info; i++) {
            int flags = Short.toUnsignedInt(b.getShort(at + 2));
            int aux = at + b.getInt(at + 12);
            // The first Verdaux names the version; later ones name its parents.
            NameRef name = nameAt(Integer.toUnsignedLong(b.getInt(aux)), aux);
            versionDefinitions.add(new VersionDefinition(name, (flags & VER_FLG_BASE) != 0, b.getInt(at + 8), at + 8));
            int next = b.getInt(at + 16);
            if (next == 0) {
                break;
            }
            at += next;
        }
    }

    private NameRef nameAt(long stringOffset, int fieldOffset) {
        if (stringOffset < 0 || stringOffset >= dynstrSize) {
            throw new IllegalArgumentException("string offset " + stringOffset + " outside the dynamic string table");
        }
        int start = dynstrOffset + (int) stringOffset;
        int end = start;
        while (end < dynstrOffset + dynstrSize && elf.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end - start];
        elf.get(start, bytes);
        return new NameRef(new String(bytes, StandardCharsets.ISO_8859_1), (int) stringOffset, fieldOffset);
    }

    private static int index(long offset) {
        if (offset < 0 || offset > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("file offset " + offset + " out of range");
        }
        return (int) offset;
    }

    /** DT_SONAME, or null when the object has none. */
    String soname() {
        return soname == null ? null : soname.value();
    }

    /** DT_SONAME with where it is, or null. */
    NameRef sonameRef() {
        return soname;
    }

    List<String> needed() {
        return needed.stream().map(NameRef::value).toList();
    }

    List<VersionNeed> versionNeeds() {
        return List.copyOf(versionNeeds);
    }

    List<VersionDefinition> versionDefinitions() {
        return List.copyOf(versionDefinitions);
    }

    /** File offset of the dynamic string table. */
    int dynstrOffset() {
        return dynstrOffset;
    }

    /** The System V ELF hash of a name, as stored in vna_hash and vd_hash. */
    static int elfHash(String name) {
        int h = 0;
        for (byte c : name.getBytes(StandardCharsets.ISO_8859_1)) {
            h = (h << 4) + (c & 0xff);
            int g = h & 0xf0000000;
            if (g != 0) {
                h ^= g >>> 24;
            }
            h &= ~g;
        }
        return h;
    }

    /**
     * A copy of {@code elf} that needs {@code newSoname} where it needed {@code oldSoname} (DT_NEEDED
     * and the Verneed file) and requires version node {@code newVersion} of it where it required the
     * old library's one (Vernaux name and vna_hash). Symbols keep their version indexes, so they bind
     * to the new node. The strings are rewritten in place, so each new name must be exactly as long
     * as the one it replaces; a string of the table that another entry shares (a suffix, say) makes
     * the rewrite refuse rather than rename something else.
     */
    static byte[] retarget(byte[] elf, String oldSoname, String newSoname, String newVersion) {
        ElfSharedObject object = parse(elf);
        Map<Integer, String> rewrites = new HashMap<>();
        List<Integer> patchedHashFields = new ArrayList<>();
        boolean found = false;
        for (NameRef ref : object.needed) {
            if (ref.value().equals(oldSoname)) {
                found = true;
                rewrite(rewrites, ref, newSoname);
            }
        }
        if (!found) {
            throw new IllegalArgumentException("the library does not need " + oldSoname + " (it needs "
                    + object.needed() + ")");
        }
        for (VersionNeed need : object.versionNeeds) {
            if (!need.file().value().equals(oldSoname)) {
                continue;
            }
            rewrite(rewrites, need.file(), newSoname);
            long distinct = need.versions().stream().map(v -> v.name().value()).distinct().count();
            if (distinct > 1) {
                throw new IllegalArgumentException("the library requires " + distinct + " version nodes of "
                        + oldSoname + "; only one can be mapped to " + newVersion);
            }
            for (VersionNeedAux version : need.versions()) {
                rewrite(rewrites, version.name(), newVersion);
                patchedHashFields.add(version.hashFieldOffset());
            }
        }
        object.refuseSharedTails(rewrites);
        byte[] out = elf.clone();
        ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        rewrites.forEach((offset, name) -> {
            byte[] bytes = name.getBytes(StandardCharsets.ISO_8859_1);
            System.arraycopy(bytes, 0, out, object.dynstrOffset + offset, bytes.length);
        });
        int hash = elfHash(newVersion);
        for (int field : patchedHashFields) {
            b.putInt(field, hash);
        }
        return out;
    }

    private static void rewrite(Map<Integer, String> rewrites, NameRef ref, String replacement) {
        if (replacement.length() != ref.value().length()) {
            throw new IllegalArgumentException("cannot rename '" + ref.value() + "' to '" + replacement
                    + "' in place: the names differ in length (" + ref.value().length() + " vs "
                    + replacement.length() + " bytes)");
        }
        String earlier = rewrites.putIfAbsent(ref.stringOffset(), replacement);
        if (earlier != null && !earlier.equals(replacement)) {
            throw new IllegalArgumentException("'" + ref.value() + "' is one string for both the library name and"
                    + " its version node; it cannot become both '" + earlier + "' and '" + replacement + "'");
        }
    }

    /** Fails when a string that is not being renamed starts inside one that is (the linker shares tails). */
    private void refuseSharedTails(Map<Integer, String> rewrites) {
        List<Integer> others = new ArrayList<>(symbolNameOffsets);
        otherDynamicNames.forEach(r -> others.add(r.stringOffset()));
        versionDefinitions.forEach(d -> others.add(d.name().stringOffset()));
        for (VersionNeed need : versionNeeds) {
            if (!rewrites.containsKey(need.file().stringOffset())) {
                others.add(need.file().stringOffset());
            }
            for (VersionNeedAux v : need.versions()) {
                if (!rewrites.containsKey(v.name().stringOffset())) {
                    others.add(v.name().stringOffset());
                }
            }
        }
        needed.stream().filter(r -> !rewrites.containsKey(r.stringOffset())).forEach(r -> others.add(r.stringOffset()));
        for (Map.Entry<Integer, String> rewrite : rewrites.entrySet()) {
            int start = rewrite.getKey();
            int end = start + rewrite.getValue().length();
            for (int other : others) {
                if (other >= start && other < end) {
                    throw new IllegalArgumentException("the string at " + start + " of the dynamic string table is"
                            + " shared with another name (at " + other + "); renaming it in place would change both");
                }
            }
        }
    }
}
