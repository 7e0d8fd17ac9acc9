package io.distillab.core.importer;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes the a ToolBench answer file importer: any bytes import or are refused with an {@link ImportException}
 * ({@link ImportFuzzing}). Seeds and kept findings: ToolBenchImportFuzzTestInputs/importAnyBytes/ (docs/fuzzing.md).
 */
class ToolBenchImportFuzzTest {
    @FuzzTest
    void importAnyBytes(byte[] input) {
        ImportFuzzing.importOrRefuse(input, "10_ChatGPT_DFS_woFilter_w2.json", TrajectoryFormat.TOOLBENCH);
    }
}
