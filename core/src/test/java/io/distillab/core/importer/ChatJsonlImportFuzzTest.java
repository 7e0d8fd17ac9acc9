package io.distillab.core.importer;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes the chat JSONL importer: any bytes import or are refused with an {@link ImportException}
 * ({@link ImportFuzzing}). Seeds and kept findings: ChatJsonlImportFuzzTestInputs/importAnyBytes/ (docs/fuzzing.md).
 */
class ChatJsonlImportFuzzTest {
    @FuzzTest
    void importAnyBytes(byte[] input) {
        ImportFuzzing.importOrRefuse(input, "runs.jsonl", TrajectoryFormat.CHAT_JSONL);
    }
}
