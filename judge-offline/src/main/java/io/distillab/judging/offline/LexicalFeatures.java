package io.distillab.judging.offline;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The documented surface features of one message that the offline judge compares.
 *
 * <ul>
 *   <li>{@code words}: runs of letters and digits (inner apostrophes and hyphens kept);</li>
 *   <li>{@code sentences}: pieces between sentence ends ({@code .!?} followed by white space) and
 *       line breaks that hold a word; at least 1;</li>
 *   <li>{@code affirmatives}: occurrences of {@link #AFFIRMATIVE} (whole words, any case):
 *       sure, certainly, absolutely, of course, great, excellent, perfect, wonderful, fantastic,
 *       awesome, happy to, glad to, no problem, definitely, yes, alright, got it;</li>
 *   <li>{@code exclamations}: runs of '!' ("Great!!!" counts once);</li>
 *   <li>{@code lines}: non-blank lines; {@code listLines}: those starting with a bullet
 *       ({@code - * + •}) or a number ({@code 1.} {@code 1)}); {@code headingLines}: Markdown
 *       headings ({@code #}), lines that are only bold text, and short lines (at most 6 words)
 *       ending in ':' that are not list items.</li>
 * </ul>
 */
public record LexicalFeatures(int words, int sentences, int affirmatives, int exclamations, int lines,
        int listLines, int headingLines) {

    static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}]+(?:['’-][\\p{L}\\p{N}]+)*");
    static final Pattern SENTENCE_BREAK = Pattern.compile("(?<=[.!?])\\s+|\\R+");
    static final Pattern AFFIRMATIVE = Pattern.compile("(?iu)\\b(?:sure|certainly|absolutely|of course|great"
            + "|excellent|perfect|wonderful|fantastic|awesome|happy to|glad to|no problem|definitely|yes"
            + "|alright|got it)\\b");
    static final Pattern EXCLAMATION = Pattern.compile("!+");
    static final Pattern LIST_ITEM = Pattern.compile("^\\s*(?:[-*+•]|\\d{1,3}[.)])\\s+\\S.*");
    static final Pattern MARKDOWN_HEADING = Pattern.compile("^\\s*#{1,6}\\s+\\S.*");
    static final Pattern BOLD_LINE = Pattern.compile("^\\s*\\*\\*[^*]+\\*\\*:?\\s*$");
    static final int SHORT_LABEL_WORDS = 6;

    public static LexicalFeatures of(String text) {
        int sentences = 0;
        for (String piece : SENTENCE_BREAK.split(text)) {
            if (WORD.matcher(piece).find()) {
                sentences++;
            }
        }
        int lines = 0;
        int listLines = 0;
        int headingLines = 0;
        for (String line : text.split("\\R")) {
            if (line.isBlank()) {
                continue;
            }
            lines++;
            boolean listItem = LIST_ITEM.matcher(line).matches();
            if (listItem) {
                listLines++;
            } else if (MARKDOWN_HEADING.matcher(line).matches() || BOLD_LINE.matcher(line).matches()
                    || (line.strip().endsWith(":") && count(WORD, line) <= SHORT_LABEL_WORDS)) {
                headingLines++;
            }
        }
        return new LexicalFeatures(count(WORD, text), Math.max(1, sentences), count(AFFIRMATIVE, text),
                count(EXCLAMATION, text), lines, listLines, headingLines);
    }

    public double affirmativesPerSentence() {
        return (double) affirmatives / sentences;
    }

    public double exclamationsPerSentence() {
        return (double) exclamations / sentences;
    }

    public double wordsPerSentence() {
        return (double) words / sentences;
    }

    public double listShare() {
        return lines == 0 ? 0 : (double) listLines / lines;
    }

    public double headingShare() {
        return lines == 0 ? 0 : (double) headingLines / lines;
    }

    /** ln(1 + words): length differences matter relatively, 10 vs 20 words like 100 vs 200. */
    public double logLength() {
        return Math.log1p(words);
    }

    private static int count(Pattern p, String text) {
        int n = 0;
        Matcher m = p.matcher(text);
        while (m.find()) {
            n++;
        }
        return n;
    }
}
