/**
 * Movie titles written the way MovieLens writes them: "Godfather, The (1972)", "City of Lost Children, The
 * (Cité des enfants perdus, La) (1995)", "Seven (a.k.a. Se7en) (1995)". Words come from faker's English,
 * French and German word lists, seeded, so one seed always gives the same catalogue.
 */
import { Faker, base, de, en, fr } from '@faker-js/faker';
import type { Draws } from './sampling.ts';

/** Shares measured on ml-latest-small's 9,742 titles, where not said otherwise. */
const SHARE = {
  /** English article in front, moved behind ("Godfather, The"): about 15% of titles. */
  englishArticle: 0.2,
  /** A bracketed alternate name before the year: 11%. */
  alternate: 0.11,
  /** Of the alternates, "(a.k.a. ...)" rather than a foreign-language name. */
  aka: 0.2,
  /** Sequels and subtitles ("2", "II", ": Part ..."). */
  sequel: 0.06,
  subtitle: 0.07,
  /** A comma inside the name itself ("Sex, Lies and Videotape"). */
  innerComma: 0.025,
  /** A quoted show or work inside the name ("\"Great Performances\" Cats"): a handful per thousand. */
  quoted: 0.003,
  /** No year at all: 0.13%. */
  noYear: 0.0013,
  /** A space after the year's bracket, as in a few real rows. */
  trailingSpace: 0.001,
};

const capitalise = (word: string) => (word.length === 0 ? word : word[0]!.toLocaleUpperCase('en') + word.slice(1));
const titleCase = (words: string) =>
  words
    .split(' ')
    .map((w, i) => (i > 0 && /^(of|the|and|in|on|a|an|to|for|at)$/.test(w) ? w : capitalise(w)))
    .join(' ');

const ROMAN = ['II', 'III', 'IV', 'V'];
const SYLLABLES = ['ka', 'zhi', 'lan', 'mo', 'shi', 'tsu', 'yao', 'hong', 'ri', 'no', 'sa', 'mu', 'kai', 'dao', 'wei', 'jin', 'ba', 'ra', 'ton', 'yu', 'xia', 'lo', 'ki', 'hua'];

export class TitleMaker {
  private readonly english: Faker;
  private readonly french: Faker;
  private readonly german: Faker;

  constructor(seed: number) {
    this.english = new Faker({ locale: [en, base], seed });
    this.french = new Faker({ locale: [fr, en, base], seed: seed + 1 });
    this.german = new Faker({ locale: [de, en, base], seed: seed + 2 });
  }

  /** An English name as people read it ("The Silent Harbour"). */
  private englishName(draws: Draws): string {
    const w = this.english.word;
    const p = draws.uniform();
    let name: string;
    if (p < 0.22) name = `${w.adjective()} ${w.noun()}`;
    else if (p < 0.38) name = w.noun();
    else if (p < 0.5) name = `${w.noun()} of the ${w.noun()}`;
    else if (p < 0.6) name = `${this.english.person.firstName()}'s ${w.noun()}`;
    else if (p < 0.68) name = this.english.location.city();
    else if (p < 0.78) name = `${w.verb()} the ${w.noun()}`;
    else if (p < 0.86) name = `${w.noun()} and ${w.noun()}`;
    else if (p < 0.93) name = `${this.english.person.firstName()} ${this.english.person.lastName()}`;
    else name = `${w.adverb()} ${w.adjective()}`;
    return titleCase(name);
  }

  /** A foreign-language alternate name, article moved behind as MovieLens does ("Cité des enfants, La"). */
  private foreignName(draws: Draws): string {
    const p = draws.uniform();
    if (p < 0.4) {
      const noun = this.french.word.noun();
      const article = /^[aeiouéèêh]/i.test(noun) ? "L'" : draws.pick(['Le', 'La', 'Les']);
      const name = `${capitalise(noun)} ${this.french.word.adjective()}`;
      return draws.chance(0.6) ? `${name}, ${article}` : article === "L'" ? `L'${name}` : `${article} ${name}`;
    }
    if (p < 0.65) {
      const name = `${capitalise(this.german.word.noun())} ${this.german.word.adjective()}`;
      return draws.chance(0.5) ? `${name}, ${draws.pick(['Der', 'Die', 'Das'])}` : name;
    }
    // Romanised names (Chinese, Japanese, Korean films): "Chung Hing sam lam".
    const words = 2 + draws.int(3);
    const parts: string[] = [];
    for (let i = 0; i < words; i++) parts.push(draws.pick(SYLLABLES) + (draws.chance(0.5) ? draws.pick(SYLLABLES) : ''));
    return capitalise(parts.join(' '));
  }

  /** One movies.csv title for a movie released in `year`. */
  make(year: number, draws: Draws): string {
    let name = this.englishName(draws);
    if (draws.chance(SHARE.innerComma)) name = `${name}, ${titleCase(this.english.word.noun())} and ${titleCase(this.english.word.noun())}`;
    if (draws.chance(SHARE.quoted)) name = `"${titleCase(this.english.word.noun())}" ${name}`;
    if (draws.chance(SHARE.sequel)) name = `${name} ${draws.chance(0.6) ? String(2 + draws.int(3)) : draws.pick(ROMAN)}`;
    else if (draws.chance(SHARE.subtitle)) name = `${name}: ${this.englishName(draws)}`;
    if (draws.chance(SHARE.englishArticle)) {
      const article = draws.chance(0.8) ? 'The' : /^[AEIOU]/.test(name) ? 'An' : 'A';
      name = draws.chance(0.93) ? `${name}, ${article}` : `${article} ${name}`;
    }
    if (draws.chance(SHARE.alternate)) name = `${name} (${draws.chance(SHARE.aka) ? `a.k.a. ${this.englishName(draws)}` : this.foreignName(draws)})`;
    if (draws.chance(SHARE.noYear)) return name;
    return `${name} (${year})${draws.chance(SHARE.trailingSpace) ? ' ' : ''}`;
  }

  /** Words for the long tail of tags: people's names, nouns, adjectives, lower-cased as most tags are. */
  tagWord(draws: Draws): string {
    const p = draws.uniform();
    if (p < 0.3) return `${this.english.person.firstName()} ${this.english.person.lastName()}`.toLowerCase();
    if (p < 0.6) return this.english.word.noun();
    if (p < 0.8) return `${this.english.word.adjective()} ${this.english.word.noun()}`;
    return this.english.word.adjective();
  }
}
