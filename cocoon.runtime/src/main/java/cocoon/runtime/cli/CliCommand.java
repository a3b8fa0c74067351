package cocoon.runtime.cli;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * One command of the CLI with its picocli model declared in code. picocli's annotations cost every
 * start ~50 ms: reading them makes the JDK generate a proxy class per annotation type and reflect over
 * every field, none of which the ahead-of-time cache can hold. A command declares its arguments as
 * fields ({@code private final Value<Duration> timeout = option(...)}) and reads them in {@link #run()}.
 */
abstract class CliCommand implements Runnable {

    private final CommandSpec spec;

    /** {@link Commands} names the command. */
    CliCommand(String description) {
        spec = CommandSpec.wrapWithoutInspection(this);
        spec.usageMessage().description(description);
        spec.addOption(OptionSpec.builder("-h", "--help")
                .usageHelp(true)
                .description("Show this help message and exit.")
                .build());
    }

    final CommandSpec spec() {
        return spec;
    }

    /** An option that takes a value; {@code null} when not given and without a default. */
    final <T> Value<T> option(Class<T> type, String label, String description, String... names) {
        return new Value<>(
                add(OptionSpec.builder(names).type(type).paramLabel(label).description(description)));
    }

    /** An option with a default, which {@code ${DEFAULT-VALUE}} in the description shows. */
    final <T> Value<T> optionWithDefault(
            Class<T> type, String label, String defaultValue, String description, String... names) {
        return new Value<>(add(OptionSpec.builder(names)
                .type(type)
                .paramLabel(label)
                .defaultValue(defaultValue)
                .description(description)));
    }

    /** {@code --format table|json} of the listing commands. */
    final Value<OutputFormat> formatOption() {
        return optionWithDefault(
                OutputFormat.class, "table|json", "table", "Output format (default: ${DEFAULT-VALUE}).", "--format");
    }

    /** An option whose values a converter checks, so bad input is a usage error with the converter's message. */
    final <T> Value<T> option(
            CommandLine.ITypeConverter<T> converter, Class<T> type, String label, String description, String... names) {
        return new Value<>(add(OptionSpec.builder(names)
                .type(type)
                .converters(converter)
                .paramLabel(label)
                .description(description)));
    }

    /** A repeatable option: every value given, in order, or {@code null} when none was. */
    final <T> Value<List<T>> repeatable(Class<T> type, String label, String description, String... names) {
        return new Value<>(add(OptionSpec.builder(names)
                .type(List.class)
                .auxiliaryTypes(type)
                .paramLabel(label)
                .description(description)));
    }

    final Flag flag(String description, String... names) {
        return new Flag(
                add(OptionSpec.builder(names).type(boolean.class).arity("0").description(description)));
    }

    /** An option of the root command that every subcommand inherits: it may come before or after the command's name. */
    final <T> Value<T> global(Class<T> type, String label, String description, String name) {
        return new Value<>(add(OptionSpec.builder(name)
                .type(type)
                .paramLabel(label)
                .scopeType(CommandLine.ScopeType.INHERIT)
                .description(description)));
    }

    final Flag globalFlag(String description, String name) {
        return new Flag(add(OptionSpec.builder(name)
                .type(boolean.class)
                .arity("0")
                .scopeType(CommandLine.ScopeType.INHERIT)
                .description(description)));
    }

    /** The positional argument at {@code index}; required. */
    final Value<String> parameter(int index, String label, String description) {
        return new Value<>(add(PositionalParamSpec.builder()
                .index(Integer.toString(index))
                .required(true)
                .type(String.class)
                .paramLabel(label)
                .description(description)));
    }

    /** The positional argument at {@code index}; {@code null} when not given. */
    final Value<String> optionalParameter(int index, String label, String description) {
        return new Value<>(add(PositionalParamSpec.builder()
                .index(Integer.toString(index))
                .arity("0..1")
                .type(String.class)
                .paramLabel(label)
                .description(description)));
    }

    /** One or more positional arguments. */
    final Value<List<String>> parameters(String label, String description) {
        return new Value<>(add(PositionalParamSpec.builder()
                .arity("1..*")
                .required(true)
                .type(List.class)
                .auxiliaryTypes(String.class)
                .paramLabel(label)
                .description(description)));
    }

    /** Every positional argument from {@code index} on, as given (after {@code --}, options too); empty when none. */
    final Value<List<String>> remaining(int index, String label, String description) {
        return new Value<>(add(PositionalParamSpec.builder()
                .index(index + "..*")
                .arity("0..*")
                .type(List.class)
                .auxiliaryTypes(String.class)
                .paramLabel(label)
                .description(description)));
    }

    private ArgSpec add(OptionSpec.Builder option) {
        OptionSpec built = option.build();
        spec.addOption(built);
        return built;
    }

    private ArgSpec add(PositionalParamSpec.Builder parameter) {
        PositionalParamSpec built = parameter.build();
        spec.addPositional(built);
        return built;
    }

    /** An argument's value once the command line is parsed. */
    static final class Value<T> {
        private final ArgSpec arg;

        private Value(ArgSpec arg) {
            this.arg = arg;
        }

        T get() {
            return arg.getValue();
        }
    }

    /** A flag: set or not. */
    static final class Flag {
        private final ArgSpec arg;

        private Flag(ArgSpec arg) {
            this.arg = arg;
        }

        boolean isSet() {
            return Boolean.TRUE.equals(arg.getValue());
        }
    }
}
