package io.distillab.core.importer;

/**
 * Bad input: the whole import fails with one message naming the file, the record (index or line)
 * and the field.
 */
public final class ImportException extends RuntimeException {
    private final String file;
    private final String record;
    private final String field;

    public ImportException(String file, String record, String field, String problem) {
        this(file, record, field, problem, null);
    }

    public ImportException(String file, String record, String field, String problem, Throwable cause) {
        super(format(file, record, field, problem), cause);
        this.file = file;
        this.record = record;
        this.field = field;
    }

    private static String format(String file, String record, String field, String problem) {
        StringBuilder sb = new StringBuilder(file == null ? "<input>" : file);
        if (record != null) {
            sb.append(": ").append(record);
        }
        if (field != null) {
            sb.append(": field '").append(field).append('\'');
        }
        return sb.append(": ").append(problem).toString();
    }

    /** The file (or upload name) that was being imported. */
    public String file() {
        return file;
    }

    /** "record 17" or "line 5", or null for a file-level problem. */
    public String record() {
        return record;
    }

    /** The JSON path of the offending field, or null. */
    public String field() {
        return field;
    }
}
