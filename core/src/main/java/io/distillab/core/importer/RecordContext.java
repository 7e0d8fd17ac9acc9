package io.distillab.core.importer;

import com.fasterxml.jackson.databind.JsonNode;

/** Where a record sits in its file; turns field problems into {@link ImportException}s. */
record RecordContext(String file, String record) {

    ImportException error(String field, String problem) {
        return new ImportException(file, record, field, problem);
    }

    JsonNode required(JsonNode parent, String name, String path) {
        JsonNode v = parent.get(name);
        if (v == null || v.isNull() || v.isMissingNode()) {
            throw error(path, "missing");
        }
        return v;
    }

    JsonNode requiredArray(JsonNode parent, String name, String path) {
        JsonNode v = required(parent, name, path);
        if (!v.isArray()) {
            throw error(path, "expected an array, found " + describe(v));
        }
        return v;
    }

    JsonNode requiredObject(JsonNode node, String path) {
        if (node == null || !node.isObject()) {
            throw error(path, "expected an object, found " + describe(node));
        }
        return node;
    }

    double requiredNumber(JsonNode parent, String name, String path) {
        JsonNode v = required(parent, name, path);
        if (!v.isNumber()) {
            throw error(path, "expected a number, found " + describe(v));
        }
        if (!Double.isFinite(v.doubleValue())) {
            // 1e400 parses as infinity, which JSON cannot write back: the stored record would not read
            throw error(path, "expected a finite number, found " + v.asText());
        }
        return v.doubleValue();
    }

    /**
     * How deep a call's arguments may nest. Arguments given as a JSON string are parsed on their
     * own, so they could nest as deep as a whole record may (1000); stored inside their canonical
     * record they would pass that limit and the record could not be written. Real arguments nest a
     * few levels.
     */
    static final int MAX_ARGUMENT_DEPTH = 100;

    /**
     * Refuses arguments that storage would not give back as they are: nested deeper than
     * {@link #MAX_ARGUMENT_DEPTH}, or holding a number that a double holds only as infinity (1e400),
     * which would be written as the string "Infinity" and read back as a string.
     */
    void requireStorableArguments(JsonNode value, String path) {
        requireStorable(value, path, 1);
    }

    private void requireStorable(JsonNode value, String path, int depth) {
        if (value.isNumber() && !value.isIntegralNumber() && !Double.isFinite(value.doubleValue())) {
            throw error(path, "holds a number too large for a double (" + value.asText() + ")");
        }
        if (value.isContainerNode() && depth > MAX_ARGUMENT_DEPTH) {
            throw error(path, "nests deeper than " + MAX_ARGUMENT_DEPTH + " levels");
        }
        if (value.isArray()) {
            for (int i = 0; i < value.size(); i++) {
                requireStorable(value.get(i), path + "[" + i + "]", depth + 1);
            }
        } else if (value.isObject()) {
            value.fields().forEachRemaining(f -> requireStorable(f.getValue(), path + "." + f.getKey(), depth + 1));
        }
    }

    int requiredInt(JsonNode parent, String name, String path) {
        JsonNode v = required(parent, name, path);
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw error(path, "expected an integer, found " + describe(v));
        }
        return v.intValue();
    }

    /** A task id: a string or an integer, returned as text. */
    String requiredId(JsonNode parent, String name, String path) {
        JsonNode v = required(parent, name, path);
        if (v.isTextual()) {
            return v.textValue();
        }
        if (v.isIntegralNumber()) {
            return v.asText();
        }
        throw error(path, "expected a string or an integer, found " + describe(v));
    }

    /** Text content: absent or null gives null; a string is returned; anything else is an error. */
    String optionalText(JsonNode parent, String name, String path) {
        JsonNode v = parent.get(name);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw error(path, "expected a string, found " + describe(v));
        }
        return v.textValue();
    }

    static String describe(JsonNode v) {
        if (v == null || v.isMissingNode()) {
            return "nothing";
        }
        return switch (v.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> v.getNodeType().toString().toLowerCase();
        };
    }
}
