package io.distillab.core.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class ArgumentValuesTest {
    private static final ObjectMapper M = new ObjectMapper();

    private static List<String> values(String json) throws Exception {
        return List.copyOf(ArgumentValues.of(M.readTree(json)));
    }

    @Test
    void scalarLeavesTrimmedShortDroppedBooleansAndNullExcludedDuplicatesOnce() throws Exception {
        // " mia_li_3668\n" trims to the id; "ab" is shorter than 3; true/null are excluded; the nested
        // array repeats "JFK" (kept once) and adds the integer 250 and the float 1250.0.
        String args = "{\"user_id\":\" mia_li_3668\\n\",\"x\":\"ab\",\"flag\":true,\"none\":null,"
                + "\"legs\":[{\"from\":\"JFK\"},{\"from\":\"JFK\",\"n\":250,\"amount\":1250.0}],\"tiny\":12}";
        // 12 has two digits: dropped by the length rule like any text
        assertEquals(List.of("mia_li_3668", "JFK", "250", "1250.0"), values(args));
    }

    @Test
    void trimmingRemovesOnlySpacesTabsCrAndLf() throws Exception {
        // a no-break space (U+00A0) is not trimmed by SPEC's rule
        assertEquals(List.of("\u00a0abc"), values("{\"a\":\"\\t \\u00a0abc\\r\\n\"}"));
    }

    @Test
    void lengthCountsCodePointsNotUtf16Units() throws Exception {
        // two emoji are 2 code points (4 UTF-16 units): dropped; three are kept
        assertEquals(List.of("\uD83D\uDE00\uD83D\uDE00\uD83D\uDE00"),
                values("{\"a\":\"\uD83D\uDE00\uD83D\uDE00\",\"b\":\"\uD83D\uDE00\uD83D\uDE00\uD83D\uDE00\"}"));
    }

    @Test
    void numbersKeepTheirJsonTextAsPythonWouldPrintThem() throws Exception {
        // integers as digits (also beyond 64 bits); other numbers as the shortest repr
        assertEquals(List.of("-1234", "123456789012345678901234567890", "1250.0", "0.1", "1e+16", "1e-05", "0.0001",
                "1500.0", "123.456"), values("{\"a\":-1234,\"b\":123456789012345678901234567890,\"c\":1250.0,"
                + "\"d\":0.1,\"e\":1e16,\"f\":0.00001,\"g\":0.0001,\"h\":1.5e3,\"i\":123.456}"));
    }

    @Test
    void pythonReprMatchesPythonOnHardCases() {
        // each expected string is what CPython's repr() prints for the same double
        assertEquals("0.30000000000000004", ArgumentValues.pythonRepr(0.1 + 0.2));
        assertEquals("1234567890123456.0", ArgumentValues.pythonRepr(1234567890123456.0));
        assertEquals("1.2345678901234568e+16", ArgumentValues.pythonRepr(12345678901234567.0));
        assertEquals("2e+23", ArgumentValues.pythonRepr(2e23)); // Java 17's Double.toString says 2.0000000000000002E23
        assertEquals("5e-324", ArgumentValues.pythonRepr(Double.MIN_VALUE));
        assertEquals("-0.0", ArgumentValues.pythonRepr(-0.0));
        assertEquals("1.7976931348623157e+308", ArgumentValues.pythonRepr(Double.MAX_VALUE));
        assertEquals("100.0", ArgumentValues.pythonRepr(100));
        assertEquals("0.001", ArgumentValues.pythonRepr(0.001));
    }
}
