package io.distillab.core.importer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The one Jackson configuration the importers share. */
final class Json {
    private Json() {
    }

    /** Long tool outputs are legal: lift Jackson's default 20 MB string limit. */
    static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
            .build());
}
