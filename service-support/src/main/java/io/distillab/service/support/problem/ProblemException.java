package io.distillab.service.support.problem;

/** A failure the caller can act on, answered as a {@link Problem} (by {@link ProblemResponses}). */
public class ProblemException extends RuntimeException {
    private final transient Problem problem;

    public ProblemException(Problem problem) {
        super(problem.detail());
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }

    /** 400: a request field or parameter is wrong. */
    public static ProblemException invalid(String field, String detail) {
        return new ProblemException(Problem.of(400, "invalid-request", "Invalid request", field + ": " + detail, field));
    }

    /** 404: the addressed resource does not exist. */
    public static ProblemException notFound(String what, long id) {
        return new ProblemException(Problem.of(404, "not-found", "Not found", what + " " + id + " does not exist", null));
    }

    /** 409 of a kind of its own ({@code type} ends in {@code slug}). */
    public static ProblemException conflict(String slug, String title, String detail) {
        return new ProblemException(Problem.of(409, slug, title, detail, null));
    }

    /** 409: the resource exists but is not in a state that allows this. */
    public static ProblemException conflict(String detail) {
        return new ProblemException(Problem.of(409, "conflict", "Conflict", detail, null));
    }

    /** 503: a service this request needs cannot be reached; {@code field} is the request field that needed it. */
    public static ProblemException unavailable(String field, String detail) {
        return new ProblemException(Problem.of(503, "dependency-unavailable", "Service unavailable", detail, field));
    }
}
