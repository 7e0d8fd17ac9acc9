package io.distillab.training.npy;

/**
 * The element types DistilLab exchanges as {@code .npy} files. All are little-endian; bfloat16
 * values travel as {@code uint16} (their bit patterns), since NumPy has no bfloat16 type.
 */
public enum NpyDType {
    FLOAT32('f', 4),
    UINT16('u', 2),
    INT32('i', 4),
    INT64('i', 8),
    INT8('i', 1);

    private final char kind;
    private final int size;

    NpyDType(char kind, int size) {
        this.kind = kind;
        this.size = size;
    }

    /** Bytes per element. */
    public int size() {
        return size;
    }

    public boolean isInteger() {
        return kind != 'f';
    }

    /** The dtype string NumPy writes in a header: {@code <f4}, {@code |i1}, ... */
    public String descr() {
        return (size == 1 ? "|" : "<") + kind + size;
    }

    /** NumPy's name of the type, for messages. */
    public String numpyName() {
        return switch (this) {
            case FLOAT32 -> "float32";
            case UINT16 -> "uint16";
            case INT32 -> "int32";
            case INT64 -> "int64";
            case INT8 -> "int8";
        };
    }

    /**
     * Parses a header's {@code descr}. Byte order '<' (little), '|' (not applicable, one byte)
     * and '=' (native, which NumPy only writes for one-byte types) are accepted; '>' is not.
     *
     * @throws IllegalArgumentException naming the descr when it is not one of ours
     */
    public static NpyDType fromDescr(String descr) {
        if (descr.length() < 3) {
            throw new IllegalArgumentException("unsupported dtype '" + descr + "'");
        }
        char order = descr.charAt(0);
        String type = descr.substring(1);
        if (order == '>' && !type.endsWith("1")) {
            throw new IllegalArgumentException("big-endian dtype '" + descr + "' is not supported (expected little-endian)");
        }
        if (order != '<' && order != '|' && order != '=' && order != '>') {
            throw new IllegalArgumentException("unsupported dtype '" + descr + "'");
        }
        for (NpyDType t : values()) {
            if (type.equals(t.kind + Integer.toString(t.size))) {
                return t;
            }
        }
        throw new IllegalArgumentException("unsupported dtype '" + descr
                + "' (supported: float32, uint16 for bfloat16, int32, int64, int8)");
    }
}
