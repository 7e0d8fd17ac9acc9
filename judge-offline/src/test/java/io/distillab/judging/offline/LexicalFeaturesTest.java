package io.distillab.judging.offline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class LexicalFeaturesTest {

    @Test
    void countsAffirmativesExclamationsAndSentences() {
        // "Great" and "absolutely" and "happy to" are affirmatives; "!!" is one run.
        LexicalFeatures f = LexicalFeatures.of("Great!! I'm absolutely happy to help. Your flight is booked!");
        assertEquals(3, f.sentences());
        assertEquals(3, f.affirmatives());
        assertEquals(2, f.exclamations());
        assertEquals(10, f.words()); // "I'm" counts once
        assertEquals(1, f.lines());
        assertEquals(0, f.listLines());
    }

    @Test
    void recognisesListsAndHeadings() {
        String text = """
                **Reservation details**
                Flights:
                - JFK to SEA, May 2
                - SEA to JFK, May 9
                1. Economy
                2) Two bags
                Please confirm.""";
        LexicalFeatures f = LexicalFeatures.of(text);
        assertEquals(7, f.lines());
        assertEquals(4, f.listLines());
        assertEquals(2, f.headingLines()); // the bold line and the short "Flights:" label
        assertEquals(4.0 / 7, f.listShare(), 1e-12);
    }

    @Test
    void affirmativesAreWholeWords() {
        // "greatly" and "yesterday" must not count as "great" and "yes".
        assertEquals(0, LexicalFeatures.of("It greatly helped yesterday.").affirmatives());
    }

    @Test
    void emptyishTextHasOneSentenceAndNoWords() {
        LexicalFeatures f = LexicalFeatures.of("...");
        assertEquals(1, f.sentences());
        assertEquals(0, f.words());
        assertEquals(0, f.wordsPerSentence(), 0);
    }
}
