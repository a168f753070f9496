// The error of a ScaledObject manifest that cannot be used: its message names the field, the value
// and the rule, in the manifest's own words; a command line names its own flags (describe()).
/** What in the caller's choice the error is about, so a command line can name its own flag. */
export type ManifestChoice = 'file' | 'name' | 'triggerIndex';

/** How a message names each choice: the loader's words, or a command line's flags. */
export interface ChoiceWords extends Record<ManifestChoice, string> {
  /** How to pick one ScaledObject of several ("--name NAME"). */
  pickOne: string;
}

const MANIFEST_WORDS: ChoiceWords = {
  file: 'file',
  name: 'ScaledObject name',
  triggerIndex: 'trigger index',
  pickOne: 'its name',
};

export class ManifestError extends Error {
  override readonly name = 'ManifestError';

  /**
   * @param detail the problem; when `about` is set it starts with the chosen value ("x.yaml: …").
   * @param about which choice the problem is about; undefined for a field of the manifest.
   * @param within the ScaledObject the problem is in, named when the file holds several.
   * @param unchosen the file holds several ScaledObjects and none was named.
   */
  constructor(
    readonly detail: string,
    readonly about: ManifestChoice | undefined = undefined,
    readonly within: string | undefined = undefined,
    readonly unchosen = false,
  ) {
    super();
    this.message = this.describe(MANIFEST_WORDS);
  }

  /** The message with each choice named by `words`. */
  describe(words: ChoiceWords): string {
    return [
      this.within === undefined ? '' : `ScaledObject ${this.within}: `,
      this.about === undefined ? '' : `${words[this.about]} `,
      this.detail,
      this.about === 'triggerIndex' ? `; ${words.triggerIndex} counts from 0` : '',
      this.unchosen ? `; pick one with ${words.pickOne}` : '',
    ].join('');
  }

  /** The same problem, said to be in the ScaledObject `name`. */
  inScaledObject(name: string): ManifestError {
    return new ManifestError(this.detail, this.about, name, this.unchosen);
  }
}
