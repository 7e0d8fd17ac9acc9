package io.distillab.k8s;

import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The images: as the chart names them, as the build names them (pom), as the Dockerfiles make them. */
final class Images {
    private Images() {}

    static Map<?, ?> yaml(Path file) {
        try {
            return Serialization.unmarshal(Files.readString(file), Map.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {image.registry}/{service}:{image.tag or appVersion}, with the chart's default values. */
    static String chartImage(String service) {
        Map<?, ?> image = (Map<?, ?>) yaml(RenderedChart.CHART.resolve("values.yaml")).get("image");
        String tag = image.get("tag").toString();
        if (tag.isEmpty()) {
            tag = yaml(RenderedChart.CHART.resolve("Chart.yaml")).get("appVersion").toString();
        }
        return image.get("registry") + "/" + service + ":" + tag;
    }

    /** A property of the parent pom (the image registry and tag Jib pushes to). */
    static String pomProperty(String name) {
        try {
            Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]*)</").matcher(
                    Files.readString(RenderedChart.ROOT.resolve("pom.xml")));
            if (!m.find()) {
                throw new AssertionError("no <" + name + "> in pom.xml");
            }
            return m.group(1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One Dockerfile's instructions, continuation lines joined, comments dropped. */
    record Dockerfile(Path path, List<String[]> instructions) {
        static Dockerfile read(Path path) {
            List<String[]> out = new ArrayList<>();
            StringBuilder pending = new StringBuilder();
            try {
                for (String line : Files.readAllLines(path)) {
                    String t = line.strip();
                    if (t.startsWith("#") || t.isEmpty()) {
                        continue;
                    }
                    if (t.endsWith("\\")) {
                        pending.append(t, 0, t.length() - 1).append(' ');
                        continue;
                    }
                    pending.append(t);
                    String full = pending.toString();
                    pending.setLength(0);
                    int space = full.indexOf(' ');
                    out.add(new String[] {full.substring(0, space).toUpperCase(), full.substring(space + 1).strip()});
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return new Dockerfile(path, out);
        }

        List<String> all(String instruction) {
            return instructions.stream().filter(i -> i[0].equals(instruction)).map(i -> i[1]).toList();
        }

        String last(String instruction) {
            List<String> all = all(instruction);
            if (all.isEmpty()) {
                throw new AssertionError(path + " has no " + instruction);
            }
            return all.get(all.size() - 1);
        }

        /** ARG defaults, for FROM ${...}. */
        Map<String, String> args() {
            Map<String, String> args = new LinkedHashMap<>();
            for (String a : all("ARG")) {
                int eq = a.indexOf('=');
                if (eq > 0) {
                    args.put(a.substring(0, eq), a.substring(eq + 1));
                }
            }
            return args;
        }

        /** The base image of the final stage, ARG defaults filled in. */
        String base() {
            String from = last("FROM").split("\\s+")[0];
            for (var a : args().entrySet()) {
                from = from.replace("${" + a.getKey() + "}", a.getValue());
            }
            return from;
        }

        /** COPY sources from the build context (not --from stages), and their destinations. */
        Map<String, String> contextCopies() {
            Map<String, String> copies = new LinkedHashMap<>();
            for (String c : all("COPY")) {
                List<String> parts = new ArrayList<>(List.of(c.split("\\s+")));
                if (parts.stream().anyMatch(p -> p.startsWith("--from="))) {
                    continue;
                }
                parts.removeIf(p -> p.startsWith("--"));
                copies.put(parts.get(0), parts.get(1));
            }
            return copies;
        }
    }
}
