package io.distillab.training.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A kernel's PTX as shipped on the class path: {@code <kernel>.sm_90.ptx} (Hopper and newer,
 * with the cluster kernels) and {@code <kernel>.portable.ptx} (compute_75 and newer).
 *
 * <p>src/main/cuda/build-ptx.sh writes a header line
 * {@code // distillab-source: <kernel>.cu sha256=<hex>} naming the SHA-256 of the source the
 * PTX was compiled from (line endings normalised to LF), so a test can tell stale PTX from
 * current PTX without nvcc.
 */
public final class PtxResource {
    public static final String FOLDER = "/io/distillab/training/cuda/";
    private static final Pattern SOURCE = Pattern.compile("^// distillab-source: (\\S+) sha256=([0-9a-f]{64})$",
            Pattern.MULTILINE);

    public enum Target {
        SM_90("sm_90"),
        PORTABLE("portable");

        private final String suffix;

        Target(String suffix) {
            this.suffix = suffix;
        }

        public String suffix() {
            return suffix;
        }

        /** The PTX a device of this compute capability (major*10 + minor) should load. */
        public static Target forComputeCapability(int cc) {
            return cc >= 90 ? SM_90 : PORTABLE;
        }
    }

    private final String kernel;
    private final Target target;
    private final byte[] text;
    private final String sourceFile;
    private final String sourceSha256;

    private PtxResource(String kernel, Target target, byte[] text) {
        this.kernel = kernel;
        this.target = target;
        this.text = text;
        String head = new String(text, 0, Math.min(text.length, 1024), StandardCharsets.US_ASCII);
        Matcher m = SOURCE.matcher(head);
        this.sourceFile = m.find() ? m.group(1) : null;
        this.sourceSha256 = sourceFile != null ? m.group(2) : null;
    }

    public static String resourceName(String kernel, Target target) {
        return FOLDER + kernel + "." + target.suffix() + ".ptx";
    }

    /** Loads {@code kernel}'s PTX for {@code target} from the class path. */
    public static PtxResource load(String kernel, Target target) throws IOException {
        String name = resourceName(kernel, target);
        try (InputStream in = PtxResource.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("PTX resource " + name + " is missing from the class path");
            }
            return new PtxResource(kernel, target, in.readAllBytes());
        }
    }

    public static PtxResource of(String kernel, Target target, byte[] text) {
        return new PtxResource(kernel, target, text.clone());
    }

    /** SHA-256 of a source file's bytes with CR removed, as build-ptx.sh computes it. */
    public static String sourceSha256(byte[] source) {
        byte[] normalised = new byte[source.length];
        int n = 0;
        for (byte b : source) {
            if (b != '\r') {
                normalised[n++] = b;
            }
        }
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(normalised, 0, n);
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public String kernel() {
        return kernel;
    }

    public Target target() {
        return target;
    }

    /** The .cu file named in the header, or null when the header is missing. */
    public String sourceFile() {
        return sourceFile;
    }

    /** The source hash named in the header, or null when the header is missing. */
    public String sourceSha256() {
        return sourceSha256;
    }

    /** The PTX text, NUL-terminated as cuModuleLoadData requires. */
    public byte[] nulTerminated() {
        byte[] out = new byte[text.length + 1];
        System.arraycopy(text, 0, out, 0, text.length);
        return out;
    }

    public String text() {
        return new String(text, StandardCharsets.US_ASCII);
    }
}
