package io.distillab.training.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jcuda.JCudaVersion;
import jcuda.LibUtils;
import jcuda.jcublas.JCublas2;

/**
 * Makes JCublas2 loadable where cuBLAS 12 or a newer cuBLAS (13 on the CUDA 13 machines) is
 * installed. JCublas 12.6's native library NEEDs {@code libcublas.so.12} and binds every cuBLAS
 * symbol to that library's version node {@code libcublas.so.12}. For cuBLAS 13, whose C API kept
 * the functions we call, a copy is written that needs the found library's SONAME and version node
 * instead ({@link ElfSharedObject#retarget}); it goes exactly where {@code jcuda.LibUtils} extracts
 * the library, {@code ${java.io.tmpdir}/libJCublas2-12.6.0-linux-x86_64.so}, since LibUtils loads a
 * file it finds there without rewriting it. libcublasLt and libcublas are loaded first by absolute
 * path, so the dynamic linker resolves the NEEDED name to the already loaded library by its SONAME
 * whether or not its folder is on any search path.
 */
public final class CublasLibrary {
    private static final Logger LOG = Logger.getLogger(CublasLibrary.class.getName());
    /** The library and version node JCublas 12.6's native library was linked against. */
    static final String LINKED_SONAME = "libcublas.so.12";
    static final int LINKED_MAJOR = 12;
    private static final Pattern CUBLAS_SONAME = Pattern.compile("libcublas\\.so\\.(\\d+)");
    private static final int OPT_SEARCH_DEPTH = 5;
    private static final int OPT_SEARCH_MAX_FOLDERS = 20_000;

    private static boolean loaded;
    private static Path loadedPath;
    private static String failure;

    private CublasLibrary() {
    }

    /** A cuBLAS found on this machine: the two libraries, the SONAME and the version node to bind to. */
    record Installation(Path cublas, Path cublasLt, String soname, int major, String versionNode) {
        boolean needsRetarget() {
            return major != LINKED_MAJOR;
        }
    }

    /**
     * Finds cuBLAS, prepares JCublas2's native library for it and loads both; once per process.
     * Must run before anything touches {@link JCublas2}.
     */
    public static synchronized void load() throws CudaUnavailableException {
        if (loaded) {
            return;
        }
        if (failure != null) {
            throw new CudaUnavailableException(failure);
        }
        try {
            Installation cublas = find(searchFolders(System.getenv()))
                    .orElseThrow(() -> new CudaUnavailableException("no cuBLAS found (libcublas.so.12 or newer with"
                            + " libcublasLt beside it; set DISTILLAB_CUBLAS to the file or its folder)"));
            Path jcublas = jcublasNativePath();
            boolean written = install(jcublas, jcublasNativeBytes(cublas));
            System.load(cublas.cublasLt().toString());
            System.load(cublas.cublas().toString());
            JCublas2.setExceptionsEnabled(true);
            LOG.info("cuBLAS: " + cublas.cublas() + " (SONAME " + cublas.soname() + ", version node "
                    + cublas.versionNode() + "); JCublas2 native " + jcublas
                    + (cublas.needsRetarget() ? " retargeted from " + LINKED_SONAME : "")
                    + (written ? " (written)" : " (already in place)"));
            loaded = true;
            loadedPath = cublas.cublas();
        } catch (CudaUnavailableException e) {
            failure = e.getMessage();
            throw e;
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            failure = "cuBLAS could not be loaded: " + CudaDriver.linkProblem(e.getMessage());
            throw new CudaUnavailableException(failure, e);
        } catch (IOException | IllegalArgumentException e) {
            failure = "JCublas2's native library could not be prepared for cuBLAS: " + e.getMessage();
            throw new CudaUnavailableException(failure, e);
        }
    }

    /** The loaded libcublas file, for messages. */
    static synchronized String describeLoaded() {
        return loadedPath == null ? "not loaded" : loadedPath.toString();
    }

    /**
     * The folders to look in, in order: DISTILLAB_CUBLAS (a file's folder, or a folder),
     * LD_LIBRARY_PATH, the CUDA toolkit, the system library folder, then the NVIDIA python wheels
     * (nvidia/cu13/lib as CUDA 13's wheels lay it out, nvidia/cublas/lib as CUDA 12's) of the system
     * pythons and of site-packages folders under /opt.
     */
    static List<Path> searchFolders(Map<String, String> env) {
        List<Path> folders = new ArrayList<>();
        String explicit = env.get("DISTILLAB_CUBLAS");
        if (explicit != null && !explicit.isBlank()) {
            Path p = Path.of(explicit.strip());
            folders.add(Files.isRegularFile(p) ? p.toAbsolutePath().getParent() : p);
        }
        String ldPath = env.get("LD_LIBRARY_PATH");
        if (ldPath != null) {
            Arrays.stream(ldPath.split(":")).filter(s -> !s.isBlank()).map(Path::of).forEach(folders::add);
        }
        folders.add(Path.of("/usr/local/cuda/lib64"));
        folders.add(Path.of("/usr/local/cuda/targets/x86_64-linux/lib"));
        folders.add(Path.of("/usr/lib/x86_64-linux-gnu"));
        List<Path> sitePackages = new ArrayList<>();
        for (String root : List.of("/usr/lib", "/usr/local/lib")) {
            for (Path python : children(Path.of(root), "python3*")) {
                sitePackages.add(python.resolve("dist-packages"));
                sitePackages.add(python.resolve("site-packages"));
            }
        }
        sitePackages.addAll(sitePackagesUnder(Path.of("/opt")));
        for (Path site : sitePackages) {
            folders.add(site.resolve("nvidia/cu13/lib"));
            folders.add(site.resolve("nvidia/cublas/lib"));
        }
        return folders;
    }

    private static List<Path> children(Path folder, String glob) {
        List<Path> found = new ArrayList<>();
        if (Files.isDirectory(folder)) {
            try (DirectoryStream<Path> stream = Files.newDirectoryStream(folder, glob)) {
                stream.forEach(found::add);
            } catch (IOException e) {
                // unreadable: nothing there for us
            }
        }
        found.sort(null);
        return found;
    }

    /** site-packages folders at most {@value #OPT_SEARCH_DEPTH} levels below {@code root}, not looking inside them. */
    static List<Path> sitePackagesUnder(Path root) {
        List<Path> found = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return found;
        }
        int[] visited = {0};
        try {
            Files.walkFileTree(root, EnumSet.noneOf(java.nio.file.FileVisitOption.class), OPT_SEARCH_DEPTH,
                    new SimpleFileVisitor<>() {
                        @Override
                        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                            if (++visited[0] > OPT_SEARCH_MAX_FOLDERS) {
                                return FileVisitResult.TERMINATE;
                            }
                            if (dir.getFileName() != null && dir.getFileName().toString().equals("site-packages")) {
                                found.add(dir);
                                return FileVisitResult.SKIP_SUBTREE;
                            }
                            return FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                            if (attrs.isDirectory() && file.getFileName().toString().equals("site-packages")) {
                                found.add(file); // at the depth limit, directories are visited as files
                            }
                            return FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult visitFileFailed(Path file, IOException e) {
                            return FileVisitResult.CONTINUE;
                        }
                    });
        } catch (IOException e) {
            // a partial list is still a list
        }
        found.sort(null);
        return found;
    }

    /**
     * The first folder holding a usable cuBLAS ({@code libcublas.so.N}, N >= 12, with
     * {@code libcublasLt.so.N} beside it); within a folder cuBLAS 12 wins, as it needs no rewrite.
     */
    static Optional<Installation> find(List<Path> folders) throws CudaUnavailableException {
        List<String> rejected = new ArrayList<>();
        for (Path folder : folders) {
            List<Installation> here = new ArrayList<>();
            for (Path lib : children(folder, "libcublas.so.*")) {
                if (!CUBLAS_SONAME.matcher(lib.getFileName().toString()).matches()) {
                    continue;
                }
                try {
                    Installation found = inspect(lib);
                    if (found.major() < LINKED_MAJOR) {
                        rejected.add(lib + ": cuBLAS " + found.major() + " is older than the " + LINKED_MAJOR
                                + " JCublas needs");
                    } else if (!Files.isRegularFile(found.cublasLt())) {
                        rejected.add(lib + ": no " + found.cublasLt().getFileName() + " beside it");
                    } else {
                        here.add(found);
                    }
                } catch (IOException | IllegalArgumentException e) {
                    rejected.add(lib + ": " + e.getMessage());
                }
            }
            here.sort((a, b) -> a.major() == LINKED_MAJOR ? -1 : b.major() == LINKED_MAJOR ? 1
                    : Integer.compare(a.major(), b.major()));
            if (!here.isEmpty()) {
                return Optional.of(here.get(0));
            }
        }
        if (!rejected.isEmpty()) {
            throw new CudaUnavailableException("no usable cuBLAS: " + String.join("; ", rejected));
        }
        return Optional.empty();
    }

    /** Reads a libcublas's SONAME and version definitions (the file is mapped, not read whole). */
    static Installation inspect(Path lib) throws IOException {
        Path real = lib.toRealPath();
        ElfSharedObject elf;
        try (FileChannel channel = FileChannel.open(real, StandardOpenOption.READ)) {
            ByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size());
            elf = ElfSharedObject.parse(mapped);
        }
        String soname = elf.soname();
        Matcher m = soname == null ? null : CUBLAS_SONAME.matcher(soname);
        if (m == null || !m.matches()) {
            throw new IllegalArgumentException("SONAME is " + soname + ", not libcublas.so.N");
        }
        int major = Integer.parseInt(m.group(1));
        String versionNode = versionNode(soname, elf.versionDefinitions().stream()
                .filter(d -> !d.base()).map(d -> d.name().value()).toList());
        Path folder = lib.toAbsolutePath().getParent();
        return new Installation(lib.toAbsolutePath(), folder.resolve("libcublasLt.so." + major), soname, major,
                versionNode);
    }

    /**
     * The version node cuBLAS's symbols are defined in: the one named like the SONAME (as in cuBLAS
     * 12 and 13), else the only one there is.
     */
    static String versionNode(String soname, List<String> definedVersions) {
        if (definedVersions.contains(soname)) {
            return soname;
        }
        if (definedVersions.size() == 1) {
            return definedVersions.get(0);
        }
        throw new IllegalArgumentException("cannot tell which version node to bind to: " + soname + " defines "
                + (definedVersions.isEmpty() ? "none" : definedVersions));
    }

    /** JCublas2's native library as it must be for this cuBLAS: the original, or retargeted to it. */
    static byte[] jcublasNativeBytes(Installation cublas) throws IOException {
        byte[] original = jcublasNativeResource();
        if (!cublas.needsRetarget()) {
            return original;
        }
        return ElfSharedObject.retarget(original, LINKED_SONAME, cublas.soname(), cublas.versionNode());
    }

    /** The file name LibUtils gives JCublas2's native library: libJCublas2-12.6.0-linux-x86_64.so. */
    static String jcublasNativeFileName() {
        return LibUtils.createLibraryFileName(LibUtils.createPlatformLibraryName("JCublas2-" + JCudaVersion.get()));
    }

    /**
     * Where LibUtils loads JCublas2's native library from when it is not on java.library.path:
     * {@code java.io.tmpdir} itself (LibUtils passes an empty sub-folder name).
     */
    static Path jcublasNativePath() {
        return Path.of(System.getProperty("java.io.tmpdir"), jcublasNativeFileName());
    }

    static byte[] jcublasNativeResource() throws IOException {
        String resource = "/lib/" + jcublasNativeFileName();
        try (InputStream in = LibUtils.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException(resource + " is not on the class path (jcublas-natives linux-x86_64 jar)");
            }
            return in.readAllBytes();
        }
    }

    /**
     * Puts {@code bytes} at {@code target} unless the file already holds exactly them: written to a
     * temporary name in the same folder and renamed over, so a process that loads the library
     * meanwhile sees the old file or the new one, never half of one. Returns whether it wrote.
     */
    static boolean install(Path target, byte[] bytes) throws IOException {
        if (Files.isRegularFile(target) && Files.size(target) == bytes.length
                && Arrays.equals(Files.readAllBytes(target), bytes)) {
            return false;
        }
        Path folder = target.toAbsolutePath().getParent();
        Files.createDirectories(folder);
        Path temp = Files.createTempFile(folder, target.getFileName().toString(), ".tmp");
        try {
            Files.write(temp, bytes);
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
        return true;
    }
}
