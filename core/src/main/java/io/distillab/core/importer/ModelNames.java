package io.distillab.core.importer;

import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Model names taken from file names, for files that carry none (SPEC section 1). */
public final class ModelNames {
    private ModelNames() {
    }

    /** Benchmark domains a tau-bench results file name may end with. */
    private static final Set<String> TAU_DOMAINS = Set.of("airline", "retail", "telecom", "mock");
    private static final Pattern TOOLBENCH_FILE = Pattern.compile("^(\\d+)_(.+)\\.json$");

    /** {@code gpt-4o-airline.json} → {@code gpt-4o}: the stem, less a trailing known domain. */
    public static String fromTauBenchFile(String fileName) {
        String stem = stem(fileName);
        int dash = stem.lastIndexOf('-');
        if (dash > 0 && TAU_DOMAINS.contains(stem.substring(dash + 1))) {
            return stem.substring(0, dash);
        }
        return stem;
    }

    /** The domain a tau-bench file name names ({@code airline}), or null. */
    public static String tauBenchDomain(String fileName) {
        String stem = stem(fileName);
        int dash = stem.lastIndexOf('-');
        if (dash > 0 && TAU_DOMAINS.contains(stem.substring(dash + 1))) {
            return stem.substring(dash + 1);
        }
        return null;
    }

    /** {@code 10_ChatGPT_DFS_woFilter_w2.json} → {@code ChatGPT_DFS_woFilter_w2}. */
    public static String fromToolBenchFile(String fileName) {
        Matcher m = TOOLBENCH_FILE.matcher(fileName);
        return m.matches() ? m.group(2) : stem(fileName);
    }

    /** True for a ToolBench answer file name, {@code {query_id}_{method}.json}. */
    public static boolean isToolBenchAnswerFile(String fileName) {
        return TOOLBENCH_FILE.matcher(fileName).matches();
    }

    public static String stem(String fileName) {
        String name = fileName.replace('\\', '/');
        name = name.substring(name.lastIndexOf('/') + 1);
        for (String ext : new String[] {".jsonl", ".json"}) {
            if (name.endsWith(ext)) {
                return name.substring(0, name.length() - ext.length());
            }
        }
        return name;
    }
}
