package cocoon.runtime.cli;

import java.util.List;
import java.util.regex.Pattern;

/** Renders argument lists so a shell would run exactly them: one option per line, continued with backslashes. */
final class ShellQuote {

    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_./:=,@%+-]+");

    private ShellQuote() {}

    static String word(String arg) {
        if (!arg.isEmpty() && SAFE.matcher(arg).matches()) {
            return arg;
        }
        return "'" + arg.replace("'", "'\\''") + "'";
    }

    /** The program on the first line, then each option with its values on a line of its own. */
    static String command(List<String> argv) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < argv.size(); i++) {
            String arg = argv.get(i);
            if (i > 0) {
                out.append(arg.startsWith("-") ? " \\\n  " : " ");
            }
            out.append(word(arg));
        }
        return out.toString();
    }
}
