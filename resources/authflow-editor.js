/* Shared editor helpers for @authflow/node-red-api-auth nodes (loaded once per editor). */
(function () {
  if (window.AuthflowEditor) return;

  /**
   * Sets up a credential-source typedInput (#node-input-<field>) whose extra
   * "node credentials" type shows the credential text area
   * (#node-input-<field>-cred-row) instead of a key field.
   */
  function credentialSource(node, field, opts) {
    opts = opts || {};
    var types = [
      { value: 'cred', label: node._('authflow.source.cred'), icon: 'fa fa-lock', hasValue: false },
      'flow', 'global', 'env', 'msg'
    ];
    if (opts.allowJson) types.push('json');
    var $input = $('#node-input-' + field);
    var $type = $('#node-input-' + field + 'Type');
    $input.typedInput({ default: $type.val() || 'cred', typeField: $type, types: types });
    function toggle() {
      $('#node-input-' + field + '-cred-row').toggle($input.typedInput('type') === 'cred');
    }
    $input.on('change', toggle);
    toggle();
  }

  /** Realm / header names go into quoted strings: refuse ", \, CR, LF and control characters. */
  function safeQuoted(v) {
    return typeof v === 'string' && v.length > 0 && !/["\\\u0000-\u001f\u007f]/.test(v);
  }

  /**
   * Dialogs whose rows depend on one choice (bearer key source, login
   * operation): shows the rows matching `selector` whose `attr` lists
   * `value` (space-separated) and hides the rest.
   */
  function showRowsFor(selector, attr, value) {
    $(selector).each(function () {
      $(this).toggle(($(this).attr(attr) || '').split(' ').indexOf(value) >= 0);
    });
  }

  window.AuthflowEditor = { credentialSource: credentialSource, safeQuoted: safeQuoted, showRowsFor: showRowsFor, color: '#D8BFD8' };
})();
