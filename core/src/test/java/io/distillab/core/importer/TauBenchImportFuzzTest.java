package io.distillab.core.importer;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes the tau-bench results importer: any bytes import or are refused with an {@link ImportException}
 * ({@link ImportFuzzing}). Seeds and kept findings: TauBenchImportFuzzTestInputs/importAnyBytes/ (docs/fuzzing.md).
 */
class TauBenchImportFuzzTest {
    @FuzzTest
    void importAnyBytes(byte[] input) {
        ImportFuzzing.importOrRefuse(input, "gpt-4o-airline.json", TrajectoryFormat.TAU_BENCH);
    }
}
