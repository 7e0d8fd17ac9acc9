package io.distillab.training.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import jcuda.LibUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Finding cuBLAS, preparing JCublas2's native library for it, and the facts about
 * {@code jcuda.LibUtils} the preparation relies on (checked against LibUtils itself, so a JCuda
 * upgrade that changes them fails here). No GPU and no real cuBLAS needed: the libraries found are
 * stand-ins made from a real shared object ({@link ElfSharedObjectTest#fakeCublas}).
 */
class CublasLibraryTest {
    @TempDir
    Path dir;

    @Test
    void theNativeGoesWhereLibUtilsLooksForIt() throws Exception {
        assertEquals("libJCublas2-12.6.0-linux-x86_64.so", CublasLibrary.jcublasNativeFileName());
        // LibUtils.loadLibrary passes "" as the folder: the file sits in java.io.tmpdir itself.
        Method createTempFile = LibUtils.class.getDeclaredMethod("createTempFile", String.class, String.class);
        createTempFile.setAccessible(true);
        File libUtilsFile = (File) createTempFile.invoke(null, "", CublasLibrary.jcublasNativeFileName());
        assertEquals(Path.of(System.getProperty("java.io.tmpdir"), "libJCublas2-12.6.0-linux-x86_64.so"),
                libUtilsFile.toPath().normalize());
        assertEquals(CublasLibrary.jcublasNativePath(), libUtilsFile.toPath().normalize());
        assertTrue(CublasLibrary.jcublasNativeResource().length > 1_000_000);
    }

    /**
     * LibUtils loads a file it finds at that path without rewriting it: run its resource loader
     * against a temporary java.io.tmpdir holding a different (loadable) library under JCublas2's
     * name, and the file must be untouched afterwards.
     */
    @Test
    void libUtilsLoadsAnExistingFileWithoutRewritingIt() throws Exception {
        byte[] stranger;
        try (InputStream in = getClass().getResourceAsStream("/org/bytedeco/openblas/linux-x86_64/libquadmath.so.0")) {
            stranger = in.readAllBytes();
        }
        Path planted = dir.resolve(CublasLibrary.jcublasNativeFileName());
        Files.write(planted, stranger);
        String tmpdir = System.getProperty("java.io.tmpdir");
        Method loadResource = LibUtils.class.getDeclaredMethod("loadLibraryResource", String.class, String.class,
                String.class, String[].class);
        loadResource.setAccessible(true);
        try {
            System.setProperty("java.io.tmpdir", dir.toString());
            loadResource.invoke(null, "/lib", LibUtils.createPlatformLibraryName("JCublas2-12.6.0"), "", new String[0]);
        } finally {
            System.setProperty("java.io.tmpdir", tmpdir);
        }
        assertArrayEquals(stranger, Files.readAllBytes(planted));
    }

    @Test
    void findsCublas13AndRetargetsJCublas2ToIt() throws Exception {
        Path wheel = Files.createDirectories(dir.resolve("site-packages/nvidia/cu13/lib"));
        Files.write(wheel.resolve("libcublas.so.13"), ElfSharedObjectTest.fakeCublas(13));
        Files.write(wheel.resolve("libcublasLt.so.13"), new byte[] {1});
        Files.write(wheel.resolve("libcublas.so.13.1.0.3"), new byte[] {1}); // not a SONAME-named file: ignored

        CublasLibrary.Installation found = CublasLibrary.find(List.of(dir.resolve("empty"), wheel)).orElseThrow();
        assertEquals(new CublasLibrary.Installation(wheel.resolve("libcublas.so.13"), wheel.resolve("libcublasLt.so.13"),
                "libcublas.so.13", 13, "libcublas.so.13"), found);
        assertTrue(found.needsRetarget());

        ElfSharedObject jcublas = ElfSharedObject.parse(CublasLibrary.jcublasNativeBytes(found));
        assertTrue(jcublas.needed().contains("libcublas.so.13"));
        assertEquals(ElfSharedObjectTest.HASH_LIBCUBLAS_13, jcublas.versionNeeds().stream()
                .filter(n -> n.file().value().equals("libcublas.so.13")).findFirst().orElseThrow()
                .versions().get(0).hash());
    }

    @Test
    void cublas12NeedsNoRewriteAndWinsInItsFolder() throws Exception {
        Path lib = Files.createDirectories(dir.resolve("lib64"));
        for (int major : new int[] {12, 13}) {
            Files.write(lib.resolve("libcublas.so." + major), ElfSharedObjectTest.fakeCublas(major));
            Files.write(lib.resolve("libcublasLt.so." + major), new byte[] {1});
        }
        CublasLibrary.Installation found = CublasLibrary.find(List.of(lib)).orElseThrow();
        assertEquals(12, found.major());
        assertFalse(found.needsRetarget());
        assertArrayEquals(CublasLibrary.jcublasNativeResource(), CublasLibrary.jcublasNativeBytes(found));
    }

    @Test
    void explainsWhyWhatItFoundIsUnusable() throws Exception {
        Path lib = Files.createDirectories(dir.resolve("lib"));
        Files.write(lib.resolve("libcublas.so.11"), ElfSharedObjectTest.fakeCublas(11));
        Files.write(lib.resolve("libcublas.so.13"), ElfSharedObjectTest.fakeCublas(13)); // no libcublasLt.so.13
        CudaUnavailableException e = assertThrows(CudaUnavailableException.class, () -> CublasLibrary.find(List.of(lib)));
        assertTrue(e.getMessage().contains("cuBLAS 11 is older than the 12 JCublas needs"), e.getMessage());
        assertTrue(e.getMessage().contains("no libcublasLt.so.13 beside it"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
        assertTrue(CublasLibrary.find(List.of(dir.resolve("nothing-here"))).isEmpty());
    }

    @Test
    void versionNodeIsTheOneNamedLikeTheSonameElseTheOnlyOne() {
        assertEquals("libcublas.so.13", CublasLibrary.versionNode("libcublas.so.13", List.of("libcublas.so.13")));
        assertEquals("CUBLAS_13", CublasLibrary.versionNode("libcublas.so.13", List.of("CUBLAS_13")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CublasLibrary.versionNode("libcublas.so.13", List.of()));
        assertTrue(e.getMessage().contains("defines none"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> CublasLibrary.versionNode("libcublas.so.13", List.of("A_1", "A_2")));
    }

    @Test
    void searchOrderIsExplicitThenLdLibraryPathThenToolkitThenSystemThenWheels() throws Exception {
        Path file = Files.write(dir.resolve("libcublas.so.13"), new byte[] {1});
        List<Path> folders = CublasLibrary.searchFolders(Map.of("DISTILLAB_CUBLAS", file.toString(),
                "LD_LIBRARY_PATH", "/a/lib::/b/lib"));
        assertEquals(List.of(dir, Path.of("/a/lib"), Path.of("/b/lib"), Path.of("/usr/local/cuda/lib64"),
                Path.of("/usr/local/cuda/targets/x86_64-linux/lib"), Path.of("/usr/lib/x86_64-linux-gnu")),
                folders.subList(0, 6));
        assertTrue(folders.subList(6, folders.size()).stream()
                .allMatch(p -> p.endsWith("nvidia/cu13/lib") || p.endsWith("nvidia/cublas/lib")), folders.toString());
        assertEquals(Path.of("/x/y"), CublasLibrary.searchFolders(Map.of("DISTILLAB_CUBLAS", "/x/y")).get(0));
    }

    @Test
    void findsSitePackagesUnderABoundedDepth() throws Exception {
        Path venv = Files.createDirectories(dir.resolve("venv/lib/python3.12/site-packages/nvidia/cu13/lib"));
        Files.createDirectories(dir.resolve("a/b/c/d/e/f/site-packages")); // deeper than the bound
        assertEquals(List.of(dir.resolve("venv/lib/python3.12/site-packages")), CublasLibrary.sitePackagesUnder(dir));
        assertTrue(Files.isDirectory(venv));
    }

    @Test
    void installWritesOnlyWhatDiffersAndLeavesNoTemporaryFiles() throws Exception {
        Path target = dir.resolve("libJCublas2-12.6.0-linux-x86_64.so");
        assertTrue(CublasLibrary.install(target, new byte[] {1, 2, 3}));
        assertFalse(CublasLibrary.install(target, new byte[] {1, 2, 3}));
        assertTrue(CublasLibrary.install(target, new byte[] {1, 2, 4}));
        assertArrayEquals(new byte[] {1, 2, 4}, Files.readAllBytes(target));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(target), files.toList());
        }
    }
}
