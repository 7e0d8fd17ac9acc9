package io.distillab.service.support.paging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PageTest {
    private static final List<Integer> FIFTY = IntStream.range(0, 50).boxed().toList();

    @Test
    void defaultsAndBounds() {
        assertEquals(new PageRequest(0, 20), PageRequest.of(null, null));
        assertEquals("size", assertThrows(InvalidParameterException.class, () -> PageRequest.of(0, 0)).parameter());
        assertEquals("size", assertThrows(InvalidParameterException.class, () -> PageRequest.of(0, 501)).parameter());
        assertEquals("page", assertThrows(InvalidParameterException.class, () -> PageRequest.of(-1, 5)).parameter());
        assertEquals(500, PageRequest.of(3, 500).size());
        assertEquals(1500, PageRequest.of(3, 500).offset());
    }

    @Test
    void slicesTheLastPartialPageAndPagesPastTheEndAreEmpty() {
        Page<Integer> last = Page.slice(FIFTY, PageRequest.of(2, 20));
        assertEquals(List.of(40, 41, 42, 43, 44, 45, 46, 47, 48, 49), last.items());
        assertEquals(50, last.total());
        assertFalse(last.hasNext());
        assertTrue(Page.slice(FIFTY, PageRequest.of(1, 20)).hasNext());
        assertEquals(List.of(), Page.slice(FIFTY, PageRequest.of(9, 20)).items());
    }
}
