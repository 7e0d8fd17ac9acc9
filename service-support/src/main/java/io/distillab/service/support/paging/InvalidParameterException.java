package io.distillab.service.support.paging;

/** A query parameter out of its range; answered as 400 naming the parameter. */
public class InvalidParameterException extends IllegalArgumentException {
    private final String parameter;

    public InvalidParameterException(String parameter, String message) {
        super(parameter + ": " + message);
        this.parameter = parameter;
    }

    public String parameter() {
        return parameter;
    }
}
