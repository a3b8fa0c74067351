package cocoon.runtime.cli;

import cocoon.api.CocoonException;

/** How failures reach the user: one line, {@code cocoon: <what went wrong>: <what to do>}. */
final class Errors {

    private Errors() {}

    static String line(CocoonException e) {
        String hint = e.hint();
        return "cocoon: " + e.getMessage() + (hint == null || hint.isBlank() ? "" : ": " + hint);
    }

    /** Thrown after the errors were already printed one per line; only the exit code is left to set. */
    static final class AlreadyReported extends RuntimeException {
        AlreadyReported() {
            super(null, null, false, false);
        }
    }
}
