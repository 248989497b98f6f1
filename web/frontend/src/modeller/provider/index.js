// One properties provider for Redress: each group lives in its own small module.
import { callActivityGroup } from './call-activity.js';
import { conditionGroup } from './condition.js';
import { laneGroup } from './lane.js';
import { messageGroup } from './message.js';
import { rulesGroup } from './rules.js';
import { serviceTaskGroup } from './service-task.js';
import { timerGroup } from './timer.js';
import { userTaskGroup } from './user-task.js';

const GROUPS = [serviceTaskGroup, userTaskGroup, laneGroup, timerGroup, conditionGroup,
  messageGroup, callActivityGroup, rulesGroup];

class RedressPropertiesProvider {
  constructor(propertiesPanel) {
    propertiesPanel.registerProvider(400, this);
  }

  getGroups(element) {
    return (groups) => {
      const ours = GROUPS.map((make) => make(element)).filter(Boolean);
      const at = Math.min(1, groups.length); // after "General"
      return [...groups.slice(0, at), ...ours, ...groups.slice(at)];
    };
  }
}
RedressPropertiesProvider.$inject = ['propertiesPanel'];

export default {
  __init__: ['redressPropertiesProvider'],
  redressPropertiesProvider: ['type', RedressPropertiesProvider],
};
