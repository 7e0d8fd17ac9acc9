package io.distillab.training.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillab.training.loss.KernelPlan;
import io.distillab.training.loss.Logits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The committed PTX must have been compiled from the .cu in the tree: build-ptx.sh records
 * the source's SHA-256 in each PTX header. After editing span_masked_loss.cu, run
 * {@code training-engine/src/main/cuda/build-ptx.sh --commit} (needs nvcc) and commit the PTX.
 */
class PtxResourceTest {
    private static final String KERNEL = "span_masked_loss";

    private static Path sources() {
        return Path.of(System.getProperty("distillab.cuda.sources", "src/main/cuda"));
    }

    private static Path committed() {
        return Path.of(System.getProperty("distillab.cuda.committedPtx",
                "src/main/resources/io/distillab/training/cuda"));
    }

    private static String currentSourceHash() throws Exception {
        return PtxResource.sourceSha256(Files.readAllBytes(sources().resolve(KERNEL + ".cu")));
    }

    @Test
    void committedPtxWasCompiledFromTheCurrentSource() throws Exception {
        List<Path> sources;
        try (Stream<Path> files = Files.list(sources())) {
            sources = files.filter(f -> f.getFileName().toString().endsWith(".cu")).sorted().toList();
        }
        assertTrue(sources.size() >= 2, "span_masked_loss.cu and transformer.cu at least: " + sources);
        for (Path source : sources) {
            String kernel = source.getFileName().toString().replaceFirst("\\.cu$", "");
            String hash = PtxResource.sourceSha256(Files.readAllBytes(source));
            for (PtxResource.Target target : PtxResource.Target.values()) {
                Path file = committed().resolve(kernel + "." + target.suffix() + ".ptx");
                assertTrue(Files.isRegularFile(file), file + " is missing: run src/main/cuda/build-ptx.sh --commit");
                PtxResource ptx = PtxResource.of(kernel, target, Files.readAllBytes(file));
                assertEquals(kernel + ".cu", ptx.sourceFile(), file + " has no distillab-source header");
                assertEquals(hash, ptx.sourceSha256(), file + " is stale: it was compiled from another version of "
                        + kernel + ".cu; run src/main/cuda/build-ptx.sh --commit");
            }
        }
    }

    /**
     * Every kernel the GPU model and trainer launch by name is an entry of transformer.cu's PTX
     * (a name suffixed with the product type, {@code "name" + p}, in both its _f32 and _bf16 forms),
     * so a misspelt launch fails here rather than on the GPU machine.
     */
    @Test
    void everyTransformerKernelLaunchedByNameIsInThePtx() throws Exception {
        String ptx = PtxResource.load("transformer", PtxResource.Target.SM_90).text();
        String portable = PtxResource.load("transformer", PtxResource.Target.PORTABLE).text();
        Path main = Path.of("src/main/java/io/distillab/training");
        java.util.regex.Pattern launch = java.util.regex.Pattern.compile(
                "(?:layers|k)\\.launch(?:Elementwise)?\\(\"([a-z0-9_]+)\"( \\+ p)?");
        int found = 0;
        for (Path file : List.of(main.resolve("model/CudaTransformerLm.java"), main.resolve("train/CudaTraining.java"))) {
            java.util.regex.Matcher m = launch.matcher(Files.readString(file));
            while (m.find()) {
                found++;
                List<String> names = m.group(2) == null ? List.of(m.group(1))
                        : List.of(m.group(1) + "_f32", m.group(1) + "_bf16");
                for (String name : names) {
                    assertTrue(ptx.contains(".entry " + name + "("), file.getFileName() + " launches " + name
                            + ", which transformer.cu does not define");
                    assertTrue(portable.contains(".entry " + name + "("), "portable PTX lacks " + name);
                }
            }
        }
        assertTrue(found > 30, "the launches were found in the sources (" + found + ")");
    }

    @Test
    void packagedPtxMatchesTheSourceToo() throws Exception {
        String hash = currentSourceHash();
        for (PtxResource.Target target : PtxResource.Target.values()) {
            assertEquals(hash, PtxResource.load(KERNEL, target).sourceSha256(), target.suffix());
        }
    }

    @Test
    void everyKernelThePlannerNamesIsInThePtxForItsTarget() throws Exception {
        String sm90 = PtxResource.load(KERNEL, PtxResource.Target.SM_90).text();
        String portable = PtxResource.load(KERNEL, PtxResource.Target.PORTABLE).text();
        assertTrue(sm90.contains(".target sm_90"), "sm_90 PTX targets sm_90");
        assertTrue(portable.contains(".target sm_75"), "portable PTX targets sm_75");
        for (String precision : new String[] {"f32", "bf16"}) {
            String prefix = ".entry span_masked_loss_" + precision + "_";
            for (String text : new String[] {sm90, portable}) {
                assertTrue(text.contains(prefix + "streaming("), prefix + "streaming");
                assertFalse(text.contains(prefix + "cached_"), "the cached kernels are retired");
            }
        }
        KernelPlan.Problem hopper = new KernelPlan.Problem(Logits.Precision.FLOAT32, 8, 1001, true);
        for (String split : new String[] {"s4o3", "s8o3", "s8o4"}) {
            String entry = ".entry " + KernelPlan.parse(split, hopper).kernel() + "(";
            assertTrue(sm90.contains(entry), "sm_90 has " + entry);
            assertFalse(portable.contains(entry), "no clusters before sm_90: " + entry);
        }
        assertEquals(5, sm90.split("\\.entry ", -1).length - 1, "streaming f32/bf16 and three split kernels");
        assertNotNull(PtxResource.Target.forComputeCapability(90));
        assertEquals(PtxResource.Target.SM_90, PtxResource.Target.forComputeCapability(100));
        assertEquals(PtxResource.Target.PORTABLE, PtxResource.Target.forComputeCapability(89));
    }

    @Test
    void sourceHashIgnoresCarriageReturns() {
        assertEquals(PtxResource.sourceSha256("a\nb\n".getBytes()), PtxResource.sourceSha256("a\r\nb\r\n".getBytes()));
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                PtxResource.sourceSha256(new byte[0]));
    }
}
