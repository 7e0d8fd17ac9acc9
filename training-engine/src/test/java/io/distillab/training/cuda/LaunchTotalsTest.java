package io.distillab.training.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class LaunchTotalsTest {

    @Test
    void sumsByNameAndOrdersByDeviceTime() {
        LaunchTotals t = new LaunchTotals();
        t.add("adamw", 1.0);
        t.add("gemm NN 8x8x8 bf16->f32", 2.0);
        t.add("adamw", 0.5);
        t.add("sum_squares", 0.25);
        List<LaunchTotals.Entry> e = t.entries();
        assertEquals(List.of(new LaunchTotals.Entry("gemm NN 8x8x8 bf16->f32", 1, 2.0),
                new LaunchTotals.Entry("adamw", 2, 1.5), new LaunchTotals.Entry("sum_squares", 1, 0.25)), e);
        assertEquals(3.75, t.millis(), 0);
        assertEquals(4, t.launches());
    }

    @Test
    void tableIsPerStepWithTheRestFolded() {
        LaunchTotals t = new LaunchTotals();
        for (int step = 0; step < 2; step++) {
            t.add("a", 3.0);
            t.add("b", 0.5);
            t.add("b", 0.5);
            t.add("c", 1.0);
        }
        assertEquals("""
                | launch | launches / step | device ms / step | share |
                |---|---|---|---|
                | a | 1.0 | 3.000 | 60.0% |
                | (2 others) | 3.0 | 2.000 | 40.0% |
                | **all** | 4.0 | 5.000 | 100.0% |
                """, t.table(2, 1));
    }

    @Test
    void productsAreNamedByRowMajorShapeAndTypes() {
        assertEquals("gemm NT 16384x2304x768 bf16->f32",
                Cublas.profileName("gemm", false, true, 16384, 2304, 768, Cublas.DType.BF16, Cublas.DType.F32, 1));
        assertEquals("gemm batched TN 64x64x1024 f32->f32 x192",
                Cublas.profileName("gemm batched", true, false, 64, 64, 1024, Cublas.DType.F32, Cublas.DType.F32, 192));
    }
}
