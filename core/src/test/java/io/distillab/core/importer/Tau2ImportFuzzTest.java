package io.distillab.core.importer;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes the tau2-bench results (a results object or a bare list of simulations) importer: any bytes import or are refused with an {@link ImportException}
 * ({@link ImportFuzzing}). Seeds and kept findings: Tau2ImportFuzzTestInputs/importAnyBytes/ (docs/fuzzing.md).
 */
class Tau2ImportFuzzTest {
    @FuzzTest
    void importAnyBytes(byte[] input) {
        ImportFuzzing.importOrRefuse(input, "gpt-4.1-mini-airline.json", TrajectoryFormat.TAU2);
    }
}
