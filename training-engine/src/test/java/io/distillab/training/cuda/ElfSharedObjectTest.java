package io.distillab.training.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ELF reader and the in-place retarget, on the real JCublas2 native library of the
 * jcublas-natives jar. Hash constants were computed independently, in Python, with the System V
 * ELF hash: {@code h = (h << 4) + c; g = h & 0xf0000000; if g: h ^= g >> 24; h &= ~g}.
 */
class ElfSharedObjectTest {
    /** elf_hash("libcublas.so.12"), computed in Python; JCublas2's vna_hash must hold it. */
    static final int HASH_LIBCUBLAS_12 = 0x0ef62132;
    /** elf_hash("libcublas.so.13"), computed in Python. */
    static final int HASH_LIBCUBLAS_13 = 0x0ef62133;

    @TempDir
    Path dir;

    static byte[] jcublasNative() throws IOException {
        try (InputStream in = ElfSharedObjectTest.class.getResourceAsStream("/lib/libJCublas2-12.6.0-linux-x86_64.so")) {
            assertTrue(in != null, "jcublas-natives linux-x86_64 jar on the test class path");
            return in.readAllBytes();
        }
    }

    @Test
    void elfHashMatchesIndependentValues() {
        assertEquals(HASH_LIBCUBLAS_12, ElfSharedObject.elfHash("libcublas.so.12"));
        assertEquals(HASH_LIBCUBLAS_13, ElfSharedObject.elfHash("libcublas.so.13"));
        // Long enough for the high nibble to fold back (the g != 0 branch); Python: 0x01abaac4.
        assertEquals(0x01abaac4, ElfSharedObject.elfHash("cublasGemmStridedBatchedEx_64"));
    }

    @Test
    void readsJCublas2sDependencyOnCublas12() throws IOException {
        ElfSharedObject elf = ElfSharedObject.parse(jcublasNative());
        assertEquals("libJCublas2-12.6.0-linux-x86_64.so", elf.soname());
        assertEquals(List.of("libpthread.so.0", "librt.so.1", "libdl.so.2", "libcublas.so.12", "libstdc++.so.6",
                "libc.so.6", "ld-linux-x86-64.so.2"), elf.needed());
        ElfSharedObject.VersionNeed cublas = cublasNeed(elf, "libcublas.so.12");
        assertEquals(1, cublas.versions().size());
        assertEquals("libcublas.so.12", cublas.versions().get(0).name().value());
        assertEquals(HASH_LIBCUBLAS_12, cublas.versions().get(0).hash(), "vna_hash as written by the linker");
        assertEquals(7, elf.versionNeeds().size());
        assertTrue(elf.versionDefinitions().isEmpty());
    }

    @Test
    void retargetsNeededFileAndVersionNodeToCublas13() throws Exception {
        byte[] original = jcublasNative();
        byte[] patched = ElfSharedObject.retarget(original, "libcublas.so.12", "libcublas.so.13", "libcublas.so.13");

        assertEquals(original.length, patched.length);
        int changed = 0;
        for (int i = 0; i < original.length; i++) {
            changed += original[i] != patched[i] ? 1 : 0;
        }
        // One string shared by DT_NEEDED, vn_file and vna_name ('2' -> '3'), and the low byte of vna_hash.
        assertEquals(2, changed, "bytes changed");

        ElfSharedObject elf = ElfSharedObject.parse(patched);
        assertEquals(List.of("libpthread.so.0", "librt.so.1", "libdl.so.2", "libcublas.so.13", "libstdc++.so.6",
                "libc.so.6", "ld-linux-x86-64.so.2"), elf.needed());
        ElfSharedObject.VersionNeed cublas = cublasNeed(elf, "libcublas.so.13");
        assertEquals("libcublas.so.13", cublas.versions().get(0).name().value());
        assertEquals(HASH_LIBCUBLAS_13, cublas.versions().get(0).hash());
        assertFalse(elf.needed().contains("libcublas.so.12"));

        Path file = dir.resolve("libJCublas2-12.6.0-linux-x86_64.so");
        Files.write(file, patched);
        String dynamic = readelf("-d", "--wide", file.toString());
        assertTrue(dynamic.contains("Shared library: [libcublas.so.13]"), dynamic);
        assertFalse(dynamic.contains("libcublas.so.12"), dynamic);
        String versions = readelf("-V", "--wide", file.toString());
        assertTrue(versions.contains("File: libcublas.so.13  Cnt: 1"), versions);
        assertTrue(versions.contains("Name: libcublas.so.13  Flags: none  Version: 4"), versions);
        String symbols = readelf("--dyn-syms", "--wide", file.toString());
        assertTrue(symbols.contains("cublasGemmEx@libcublas.so.13 (4)"), "symbols bind to the renamed node");
        assertFalse(symbols.contains("libcublas.so.12"));
        // readelf does not print vna_hash; its hex dump of .gnu.version_r shows the word, little-endian.
        String hex = readelf("--wide", "-x", ".gnu.version_r", file.toString());
        assertTrue(hex.contains("3321f60e"), hex);
        assertFalse(hex.contains("3221f60e"), hex);
    }

    @Test
    void refusesNamesOfAnotherLength() throws IOException {
        byte[] original = jcublasNative();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                ElfSharedObject.retarget(original, "libcublas.so.12", "libcublas.so.100", "libcublas.so.100"));
        assertTrue(e.getMessage().contains("differ in length"), e.getMessage());
    }

    @Test
    void refusesOneSharedStringForTwoDifferentNames() throws IOException {
        byte[] original = jcublasNative();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                ElfSharedObject.retarget(original, "libcublas.so.12", "libcublas.so.13", "LIBCUBLAS_13.00"));
        assertTrue(e.getMessage().contains("cannot become both"), e.getMessage());
    }

    @Test
    void refusesALibraryItDoesNotNeed() throws IOException {
        byte[] original = jcublasNative();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                ElfSharedObject.retarget(original, "libcudnn.so.09", "libcudnn.so.10", "libcudnn.so.10"));
        assertTrue(e.getMessage().contains("does not need libcudnn.so.09"), e.getMessage());
    }

    @Test
    void rejectsWhatIsNotA64BitLittleEndianElf() throws IOException {
        assertThrows(IllegalArgumentException.class, () -> ElfSharedObject.parse("not an elf".getBytes(StandardCharsets.UTF_8)));
        byte[] elf32 = jcublasNative();
        elf32[4] = 1;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ElfSharedObject.parse(elf32));
        assertTrue(e.getMessage().contains("64-bit little-endian"), e.getMessage());
        byte[] truncated = java.util.Arrays.copyOf(jcublasNative(), 4096);
        e = assertThrows(IllegalArgumentException.class, () -> ElfSharedObject.parse(truncated));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    /**
     * A stand-in for libcublas.so.N made from a real shared library of the openblas natives jar
     * (libquadmath.so.0): its 16-byte SONAME string becomes {@code libcublas.so.N} (NUL-padded,
     * shared with the base version definition), and the version node QUADMATH_1.0 is renamed by
     * pointing its name at that string, with vd_hash updated.
     */
    static byte[] fakeCublas(int major) throws IOException {
        byte[] elf;
        try (InputStream in = ElfSharedObjectTest.class.getResourceAsStream(
                "/org/bytedeco/openblas/linux-x86_64/libquadmath.so.0")) {
            assertTrue(in != null, "openblas linux-x86_64 natives on the test class path");
            elf = in.readAllBytes();
        }
        ElfSharedObject original = ElfSharedObject.parse(elf);
        assertEquals("libquadmath.so.0", original.soname());
        String soname = "libcublas.so." + major;
        assertTrue(soname.length() < original.soname().length());
        ElfSharedObject.NameRef name = original.sonameRef();
        byte[] replacement = java.util.Arrays.copyOf(soname.getBytes(StandardCharsets.US_ASCII), original.soname().length());
        System.arraycopy(replacement, 0, elf, original.dynstrOffset() + name.stringOffset(), replacement.length);
        ElfSharedObject.VersionDefinition node = original.versionDefinitions().stream()
                .filter(d -> d.name().value().equals("QUADMATH_1.0")).findFirst().orElseThrow();
        ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(node.name().fieldOffset(), name.stringOffset());
        b.putInt(node.hashFieldOffset(), ElfSharedObject.elfHash(soname));
        return elf;
    }

    @Test
    void theFakeCublasLooksLikeOneToReadelfToo() throws Exception {
        Path file = dir.resolve("libcublas.so.13");
        Files.write(file, fakeCublas(13));
        ElfSharedObject elf = ElfSharedObject.parse(Files.readAllBytes(file));
        assertEquals("libcublas.so.13", elf.soname());
        assertTrue(elf.versionDefinitions().stream().anyMatch(d -> !d.base() && d.name().value().equals("libcublas.so.13")
                && d.hash() == HASH_LIBCUBLAS_13));
        assertTrue(readelf("-d", "--wide", file.toString()).contains("Library soname: [libcublas.so.13]"));
        assertTrue(readelf("-V", "--wide", file.toString()).contains("Flags: none  Index: 2  Cnt: 1  Name: libcublas.so.13"));
    }

    private static ElfSharedObject.VersionNeed cublasNeed(ElfSharedObject elf, String file) {
        return elf.versionNeeds().stream().filter(n -> n.file().value().equals(file)).findFirst()
                .orElseThrow(() -> new AssertionError("no version need for " + file));
    }

    /** readelf's output; the test is skipped where binutils is not installed (the checks above it still ran). */
    static String readelf(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>();
        command.add("readelf");
        command.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.abort("readelf (binutils) is not installed: " + e.getMessage());
            throw e;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }
}
