package io.distillab.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillab.cli.CliRun;
import io.distillab.cli.ExitCodes;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Argument parsing of {@code distillab bench gemm}; what it measures needs a GPU (see the command). */
class BenchGemmCommandTest {
    @Test
    void parsesSizesWithOptionalTransposes() {
        assertEquals(List.of(new GemmProblem("3x5x7", false, false, 3, 5, 7),
                        new GemmProblem("16384x2304x768", false, true, 16384, 2304, 768),
                        new GemmProblem("2x2x2", true, true, 2, 2, 2)),
                GemmProblem.parse(" 3,5,7 ; 16384, 2304, 768, nt;2,2,2,TT;"));
    }

    @Test
    void refusesMalformedSizesSayingWhich() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GemmProblem.parse("3,5")).getMessage()
                .contains("'3,5' is not M,N,K"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GemmProblem.parse("3,x,5")).getMessage()
                .contains("'x' is not a whole number"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GemmProblem.parse("3,0,5")).getMessage()
                .contains("at least 1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GemmProblem.parse("3,4,5,nx")).getMessage()
                .contains("'nx' are not nn, nt, tn or tt"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GemmProblem.parse(" ; ")).getMessage()
                .contains("no sizes"));
    }

    @Test
    void defaultsAreTheSquareAndGpt2sForwardAndBackwardProducts() {
        List<GemmProblem> defaults = GemmProblem.defaults();
        assertEquals(new GemmProblem("square", false, false, 8192, 8192, 8192), defaults.get(0));
        assertEquals(13, defaults.size());
        // qkv: out = inp[16384,768] . W[2304,768]^T; dinp = dout[16384,2304] . W; dW = dout^T . inp.
        assertTrue(defaults.contains(new GemmProblem("qkv.fwd", false, true, 16384, 2304, 768)));
        assertTrue(defaults.contains(new GemmProblem("qkv.dinp", false, false, 16384, 768, 2304)));
        assertTrue(defaults.contains(new GemmProblem("qkv.dW", true, false, 2304, 768, 16384)));
        assertTrue(defaults.contains(new GemmProblem("fcproj.fwd", false, true, 16384, 768, 3072)));
        assertEquals(2.0 * 16384 * 2304 * 768, defaults.get(1).flops());
    }

    @Test
    void parsesPrecisionsOnceEach() {
        assertEquals(List.of(GemmPrecision.TF32, GemmPrecision.BF16, GemmPrecision.F32),
                GemmPrecision.parse(new String[] {"tf32", " BF16", "fp32", "float32"}));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GemmPrecision.parse(new String[] {"f16"}))
                .getMessage().contains("unknown 'f16'"));
        assertEquals(1e-5, GemmPrecision.F32.tolerance);
        assertEquals(3e-3, GemmPrecision.TF32.tolerance);
        assertEquals(1e-2, GemmPrecision.BF16.tolerance);
    }

    @Test
    void badOptionsExitWithCode2AndOneLineNamingTheOption() {
        for (String[] args : List.of(new String[] {"bench", "gemm", "--device", "cpu"},
                new String[] {"bench", "gemm", "--sizes", "1,2"},
                new String[] {"bench", "gemm", "--dtype", "f16"},
                new String[] {"bench", "gemm", "--sizes", "65536,65536,65536"},
                new String[] {"bench", "gemm", "--repeats", "0"})) {
            CliRun r = CliRun.of(args);
            assertEquals(ExitCodes.BAD_INPUT, r.code(), String.join(" ", args) + ": " + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().startsWith("distillab: error: --"), r.err());
            assertFalse(r.out().contains("device:"), r.out());
        }
    }
}
