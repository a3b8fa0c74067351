package cocoon.api;

/** Downloaded bytes do not hash to the digest they were promised under; nothing was stored. */
public class DigestMismatchException extends CocoonException {
    public DigestMismatchException(String what, String expected, String actual) {
        super(
                what + ": expected " + expected + " but got " + actual,
                "the source served corrupt or tampered data; nothing was cached, retry or check the mirror");
    }
}
