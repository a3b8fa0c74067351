package cocoon.api;

/** Whether a plugin can work on this host; {@code detail} says what it found or what to install. */
public record Availability(boolean usable, String detail) {

    public static Availability ok(String detail) {
        return new Availability(true, detail);
    }

    public static Availability missing(String whatToDo) {
        return new Availability(false, whatToDo);
    }
}
