package cocoon.plugin.oci.layer;

import java.math.BigInteger;
import java.util.Comparator;

/** Orders version strings the way people read them: {@code -6.1.0-10} after {@code -6.1.0-9}. */
final class VersionOrder implements Comparator<String> {

    static final VersionOrder INSTANCE = new VersionOrder();

    @Override
    public int compare(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int endA = runEnd(a, i);
            int endB = runEnd(b, j);
            String runA = a.substring(i, endA);
            String runB = b.substring(j, endB);
            boolean digitsA = Character.isDigit(a.charAt(i));
            boolean digitsB = Character.isDigit(b.charAt(j));
            int order =
                    digitsA && digitsB ? new BigInteger(runA).compareTo(new BigInteger(runB)) : runA.compareTo(runB);
            if (order != 0) {
                return order;
            }
            i = endA;
            j = endB;
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    private static int runEnd(String text, int start) {
        boolean digits = Character.isDigit(text.charAt(start));
        int end = start;
        while (end < text.length() && Character.isDigit(text.charAt(end)) == digits) {
            end++;
        }
        return end;
    }
}
