package cocoon.api;

/**
 * A failure a user can cause or fix. The CLI prints it as one line:
 * {@code cocoon: <what went wrong>: <what to do>}.
 */
public class CocoonException extends RuntimeException {

    private final String hint;

    public CocoonException(String what, String hint) {
        this(what, hint, null);
    }

    public CocoonException(String what, String hint, Throwable cause) {
        super(what, cause);
        this.hint = hint;
    }

    /** What the user should do about it. */
    public String hint() {
        return hint;
    }
}
