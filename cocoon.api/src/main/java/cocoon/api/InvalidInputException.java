package cocoon.api;

/** A name, size, reference or config value that is malformed or out of range. */
public class InvalidInputException extends CocoonException {
    public InvalidInputException(String what, String hint) {
        super(what, hint);
    }
}
