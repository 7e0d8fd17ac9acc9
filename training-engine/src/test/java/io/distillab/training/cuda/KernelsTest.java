package io.distillab.training.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The launcher's host side: kernel parameters and grid sizes (no GPU needed). */
class KernelsTest {
    @Test
    void parametersAreThePrimitiveTheKernelDeclares() {
        for (Object ok : new Object[] {7, 7L, 1.5f, null, new jcuda.driver.CUdeviceptr()}) {
            assertTrue(Kernels.parameter(ok, "k", 0) != null, String.valueOf(ok));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Kernels.parameter(1.5, "layernorm_forward_f32", 8));
        assertEquals("layernorm_forward_f32: argument 8 of type Double is not a kernel parameter type", e.getMessage());
    }

    @Test
    void gridsCoverTheWorkAndStayCapped() {
        assertEquals(1, Kernels.gridFor(0, 256));
        assertEquals(1, Kernels.gridFor(256, 256));
        assertEquals(2, Kernels.gridFor(257, 256));
        assertEquals(132 * 32, Kernels.gridFor(1L << 40, 256), "grid-stride kernels: capped");
        assertEquals(3, Kernels.blocksFor(129, 64));
        assertEquals(1, Kernels.blocksFor(0, 8));
        assertThrows(IllegalArgumentException.class, () -> Kernels.blocksFor(1L << 45, 8));
    }
}
